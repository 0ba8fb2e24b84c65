import fp from 'fastify-plugin';
import { openArtifactStore, type ArtifactStore } from '../../../artifacts/index.ts';
import { artifactStoreSettings } from '../../../artifacts/from-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    artifacts: ArtifactStore;
  }
}

/** The artifact store the api reads models and checkpoints from (workers write them). */
export default fp(
  async (app) => {
    app.decorate('artifacts', openArtifactStore(artifactStoreSettings(app.config)));
  },
  { name: 'artifacts', dependencies: ['config'] },
);
