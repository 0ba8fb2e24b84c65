import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../schemas/common.ts';
import { DOWNLOAD_CONTENT_TYPES as CONTENT_TYPES, DownloadQuery } from '../../schemas/models.ts';
import { ModelRefParams } from '../../schemas/serving.ts';

/**
 * /models/:id/download (`:id` any model reference, as for the other model routes). Every format computes
 * what Kiln's predict does on the same input: the preprocessing the model was registered with is built
 * into it as layers (Rescaling, Normalization), so it takes rows as its dataset holds them.
 */
const downloadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models/:id/download',
    {
      schema: {
        summary:
          'The model as files: TensorFlow.js (a tar, the default), Keras 3 .keras or legacy .h5; its preprocessing built in as layers',
        tags: ['models'],
        params: ModelRefParams,
        querystring: DownloadQuery,
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { format } = request.query;
      const { fileName, body } = await app.models.download(request.params.id, format);
      return reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(body);
    },
  );
};

export default downloadRoutes;
