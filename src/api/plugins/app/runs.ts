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
    app.decorate(
      'runs',
      runsService({
        repo: app.repos.runs,
        models: app.repos.models,
        runEvents: app.repos.runEvents,
        publisher: app.events,
        queue: app.trainingQueue,
        sendControl: app.sendControl,
        datasets: app.datasets,
        transferBase: (ref) => app.models.transferBase(ref),
        artifacts: app.artifacts,
        serving: app.serving,
        maxParams: app.config.KILN_MAX_PARAMS,
        allowUserCode: app.config.KILN_ALLOW_USER_CODE,
      }),
    );
  },
  { name: 'runs', dependencies: ['repositories', 'queue', 'artifacts', 'datasets', 'serving', 'models'] },
);
