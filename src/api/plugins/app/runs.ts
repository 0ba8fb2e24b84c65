import fp from 'fastify-plugin';
import { runsService, type RunsService } from '../../services/runs-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    runs: RunsService;
  }
}

/** The run lifecycle service used by the /runs routes. */
export default fp(
  async (app) => {
    app.decorate('runs', runsService(app));
  },
  { name: 'runs', dependencies: ['database', 'queue', 'artifacts', 'datasets'] },
);
