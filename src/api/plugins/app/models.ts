import fp from 'fastify-plugin';
import { modelsService, type ModelsService } from '../../services/models-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelsService;
  }
}

/** The model registry service used by the /models and TensorFlow Serving routes. */
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
  },
  { name: 'models', dependencies: ['repositories', 'artifacts', 'serving'] },
);
