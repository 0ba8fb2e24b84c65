import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { EXPORT_FORMATS } from '../../../engine/model-files/index.ts';
import { errorResponses } from '../../schemas/common.ts';
import { ModelRefParams } from '../../schemas/serving.ts';

const DownloadQuery = Type.Object(
  {
    format: Type.Union(
      EXPORT_FORMATS.map((f) => Type.Literal(f)),
      {
        default: 'tfjs',
        description:
          'tfjs: TensorFlow.js model.json + weights.bin as a tar; keras: a .keras file as Keras 3 writes it; h5: a legacy .h5 as Keras 2 writes it',
      },
    ),
  },
  { additionalProperties: false },
);

const CONTENT_TYPES = { tfjs: 'application/x-tar', keras: 'application/zip', h5: 'application/x-hdf5' } as const;

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
