import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { packArtifacts } from '../../../artifacts/pack-artifacts.ts';
import { findModel } from '../../../serving/index.ts';
import { errorResponses } from '../../schemas/common.ts';
import { ModelRefParams } from '../../schemas/serving.ts';

/** /models/:id/download (`:id` any model reference, as for the other model routes); the registry (list, read, aliases, delete) is in registry.ts, predict in predict.ts. */
const modelsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models/:id/download',
    {
      schema: {
        summary: 'The model in TensorFlow.js layers format (model.json + weights) as a tar',
        tags: ['models'],
        params: ModelRefParams,
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const model = await findModel(app.db.prisma, request.params.id);
      const folder = `${model.name}-v${model.version}`;
      const { stream } = await packArtifacts(app.artifacts, model.path, folder);
      return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${folder}.tar"`).send(stream);
    },
  );
};

export default modelsRoutes;
