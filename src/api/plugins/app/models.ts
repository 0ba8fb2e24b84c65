import fp from 'fastify-plugin';
import { checkpointsService, type CheckpointsService } from '../../services/checkpoints-service.ts';
import { modelsService, type ModelsService } from '../../services/models-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelsService;
    checkpoints: CheckpointsService;
  }
}

/** The model registry (the /models and TensorFlow Serving routes) and runs' checkpoints as models. */
export default fp(
  async (app) => {
    app.decorate(
      'models',
      modelsService({
        repo: app.repos.models,
        artifacts: app.artifacts,
        serving: app.serving,
        maxParams: app.config.KILN_MAX_PARAMS,
      }),
    );
    app.decorate(
      'checkpoints',
      checkpointsService({ runs: app.repos.runs, models: app.repos.models, artifacts: app.artifacts }),
    );
  },
  { name: 'models', dependencies: ['repositories', 'artifacts', 'serving'] },
);
