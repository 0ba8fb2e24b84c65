import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../../errors.ts';
import { packArtifacts } from '../../../artifacts/pack-artifacts.ts';
import { errorResponses, IdParams } from '../../schemas/common.ts';

/** /models/:id/download; the registry (list, read, aliases, delete) is in registry.ts, predict in predict.ts. */
const modelsRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
