import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../schemas/common.ts';
import {
  CheckpointParams,
  DOWNLOAD_CONTENT_TYPES as CONTENT_TYPES,
  DownloadQuery,
  RegisterCheckpointBody as RegisterBody,
} from '../../schemas/models.ts';
import { ModelDetail } from '../../schemas/serving.ts';

/** /runs/:id/checkpoints/:kind: a checkpoint as a model, downloaded or registered as a model version. */
const checkpointRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/runs/:id/checkpoints/:kind/download',
    {
      schema: {
        summary: "A run's checkpoint as a model: TensorFlow.js (tar), .keras or .h5, its preprocessing built in",
        tags: ['runs'],
        params: CheckpointParams,
        querystring: DownloadQuery,
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { format } = request.query;
      const { fileName, body } = await app.checkpoints.download(request.params.id, request.params.kind, format);
      return reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(body);
    },
  );

  app.post(
    '/runs/:id/checkpoints/:kind/register',
    {
      schema: {
        summary: "Register a run's checkpoint as a model version (served, exported and fine-tuned like any)",
        tags: ['runs'],
        params: CheckpointParams,
        body: Type.Optional(RegisterBody),
        response: { 201: ModelDetail, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const row = await app.checkpoints.register(request.params.id, request.params.kind, request.body?.name);
      return reply.code(201).send(await app.models.get(row.id));
    },
  );
};

export default checkpointRoutes;
