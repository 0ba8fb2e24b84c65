import { KilnError } from '../../../domain/errors.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { RunSpecSchema, type RunSpec } from '../../../domain/run-spec/schema.ts';
import { normalizeRunSpec } from '../../../domain/run-spec/normalize.ts';
import { errorResponses, IdParams } from '../../schemas/common.ts';
import { IDEMPOTENCY_DESCRIPTION, IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { packArtifacts } from '../../../artifacts/pack-artifacts.ts';
import { CreatedRun, CreateRunQuery, ListRunsQuery, ModelSummarySchema, RunList, RunView } from '../../schemas/runs.ts';

/** /runs: submit, list, read, cancel and delete training runs. */
const runsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/runs',
    {
      // Keras spellings (batch_size, "categorical_crossentropy") are mapped before the schema sees them.
      preValidation: async (request) => {
        request.body = normalizeRunSpec(request.body) as typeof request.body;
      },
      schema: {
        summary: 'Submit a training run (or validate it with ?dryRun=true)',
        description: IDEMPOTENCY_DESCRIPTION,
        tags: ['runs'],
        querystring: CreateRunQuery,
        headers: IdempotencyHeaders,
        body: RunSpecSchema,
        response: {
          200: Type.Object({ dryRun: Type.Literal(true), summary: ModelSummarySchema }),
          201: CreatedRun,
          ...errorResponses(400, 401, 409, 413, 422),
        },
      },
    },
    async (request, reply) =>
      app.idempotency.respond(request, reply, {
        fingerprint: request.body,
        // A dry run creates nothing: it needs no key.
        keyless: request.query.dryRun,
        async create(record) {
          const result = await app.runs.create(request.body as RunSpec, { dryRun: request.query.dryRun, record });
          return result.dryRun
            ? { status: 200, body: { dryRun: true, summary: result.summary } }
            : { status: 201, body: result.run };
        },
      }),
  );

  app.get(
    '/runs',
    {
      schema: {
        summary: 'List runs, newest first',
        tags: ['runs'],
        querystring: ListRunsQuery,
        response: { 200: RunList, ...errorResponses(400, 401) },
      },
    },
    async (request) => app.runs.list(request.query),
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        summary: 'A run with its epochs, checkpoints, evaluation and model',
        tags: ['runs'],
        params: IdParams,
        response: { 200: RunView, ...errorResponses(401, 404) },
      },
    },
    async (request) => app.runs.get(request.params.id),
  );

  app.get(
    '/runs/:id/tensorboard',
    {
      schema: {
        summary: "The run's TensorBoard logs as a tar (extract, then `tensorboard --logdir .`)",
        tags: ['runs'],
        params: IdParams,
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const run = await app.runs.get(request.params.id);
      const { stream, count } = await packArtifacts(app.artifacts, `runs/${run.id}/tensorboard`, run.id);
      if (count === 0)
        throw new KilnError(
          'not_found',
          `run ${run.id} has no TensorBoard logs (add callbacks.tensorBoard to its spec)`,
          { status: 404 },
        );
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${run.id}-tensorboard.tar"`)
        .send(stream);
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a queued or running run (a running one stops within one batch)',
        tags: ['runs'],
        params: IdParams,
        response: { 202: Type.Object({ id: Type.String(), status: Type.String() }), ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await app.runs.cancel(request.params.id)),
  );

  app.delete(
    '/runs/:id',
    {
      schema: {
        summary: 'Delete a finished run and its artifacts',
        tags: ['runs'],
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await app.runs.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default runsRoutes;
