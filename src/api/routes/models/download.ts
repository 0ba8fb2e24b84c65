import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../schemas/common.ts';
import { ModelRefParams } from '../../schemas/serving.ts';

/** /models/:id/download (`:id` any model reference, as for the other model routes). */
const downloadRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
      const { folder, stream } = await app.models.download(request.params.id);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${folder}.tar"`)
        .send(stream);
    },
  );
};

export default downloadRoutes;
