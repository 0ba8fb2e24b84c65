import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../../errors.ts';
import { packArtifacts } from '../../../artifacts/pack-artifacts.ts';
import { errorResponses, IdParams } from '../../schemas/common.ts';
import { ModelView } from '../../schemas/models.ts';

/** /models: the models that succeeded runs registered. */
const modelsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models/:id',
    { schema: { summary: 'A registered model: signature, source run, evaluation, files', tags: ['models'], params: IdParams, response: { 200: ModelView, ...errorResponses(401, 404) } } },
    async (request) => {
      const model = await app.db.prisma.model.findUnique({ where: { id: request.params.id }, include: { run: { include: { evaluation: true } } } });
      if (!model) throw ApiError.notFound('model', request.params.id);
      const files = (await app.artifacts.list(model.path)).map((key) => key.slice(model.path.length + 1));
      return {
        id: model.id,
        name: model.name,
        version: model.version,
        runId: model.runId,
        signature: model.signature as object,
        labels: (model.labels as string[] | null) ?? null,
        createdAt: model.createdAt.toISOString(),
        evaluation: (model.run?.evaluation?.metrics as object | undefined) ?? null,
        files,
      };
    },
  );

  app.get(
    '/models/:id/download',
    {
      schema: {
        summary: 'The model in TensorFlow.js layers format (model.json + weights) as a tar',
        tags: ['models'],
        params: IdParams,
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const model = await app.db.prisma.model.findUnique({ where: { id: request.params.id } });
      if (!model) throw ApiError.notFound('model', request.params.id);
      const folder = `${model.name}-v${model.version}`;
      const { stream } = await packArtifacts(app.artifacts, model.path, folder);
      return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${folder}.tar"`).send(stream);
    },
  );
};

export default modelsRoutes;
