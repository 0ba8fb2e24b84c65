import fp from 'fastify-plugin';
import { datasetsRepository, type DatasetsRepository } from '../../../store/repositories/datasets.ts';
import { modelsRepository, type ModelsRepository } from '../../../store/repositories/models.ts';
import { runEventsRepository, type RunEventsRepository } from '../../../store/repositories/run-events.ts';
import { runsRepository, type RunsRepository } from '../../../store/repositories/runs.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The repositories over the database: the only way services reach it. */
    repos: {
      runs: RunsRepository;
      runEvents: RunEventsRepository;
      models: ModelsRepository;
      datasets: DatasetsRepository;
    };
  }
}

/** Kiln's repositories, built once on the open database. */
export default fp(
  async (app) => {
    const prisma = app.db.prisma;
    app.decorate('repos', {
      runs: runsRepository(prisma),
      runEvents: runEventsRepository(prisma),
      models: modelsRepository(prisma),
      datasets: datasetsRepository(prisma),
    });
  },
  { name: 'repositories', dependencies: ['database'] },
);
