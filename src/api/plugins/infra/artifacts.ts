import fp from 'fastify-plugin';
import { openArtifactStore, type ArtifactStore } from '../../../artifacts/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    artifacts: ArtifactStore;
  }
}

/** The artifact store the api reads models and checkpoints from (workers write them). */
export default fp(
  async (app) => {
    app.decorate('artifacts', openArtifactStore({ dataDir: app.config.KILN_DATA_DIR }));
  },
  { name: 'artifacts', dependencies: ['config'] },
);
