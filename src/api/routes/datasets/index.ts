import { KilnError } from '../../../domain/errors.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { errorResponses, IdParams } from '../../schemas/common.ts';
import { IDEMPOTENCY_DESCRIPTION, IdempotencyHeaders } from '../../schemas/idempotency.ts';
import {
  CreatedDataset,
  CreateDatasetFromUrl,
  DatasetSamples,
  DatasetView,
  SamplesQuery,
} from '../../schemas/datasets.ts';

/** /datasets: register (upload or URL), list, inspect, sample and delete datasets. */
const datasetsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/datasets',
    {
      schema: {
        summary:
          'Register a dataset: multipart upload of one or several files, or JSON {name, url, sha256?}. Ingestion runs in the background.',
        description: IDEMPOTENCY_DESCRIPTION,
        tags: ['datasets'],
        consumes: ['multipart/form-data', 'application/json'],
        headers: IdempotencyHeaders,
        response: { 201: CreatedDataset, ...errorResponses(400, 401, 409, 413, 422) },
      },
      // The JSON form is checked here; multipart bodies are read as a stream by the service.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (request.isMultipart()) {
        const upload = await app.datasets.receiveUpload(request.parts());
        // An upload is identified by its fields and files (names, sizes, sha256), known once it is read;
        // its files are discarded again when an earlier request with its key answers it (or the key is refused).
        return app.idempotency.respond(request, reply, {
          fingerprint: upload.fingerprint,
          create: async (record) => ({ status: 201, body: await app.datasets.registerUpload(upload, record) }),
          discard: () => app.datasets.discardUpload(upload),
        });
      }
      const body = request.body;
      if (!Value.Check(CreateDatasetFromUrl, body)) {
        const details = [...Value.Errors(CreateDatasetFromUrl, body)]
          .slice(0, 10)
          .map((e) => ({ path: e.path.replace(/^\//, '').replace(/\//g, '.') || 'body', message: e.message }));
        throw KilnError.invalid(details);
      }
      return app.idempotency.respond(request, reply, {
        fingerprint: body,
        create: async (record) => ({ status: 201, body: await app.datasets.createFromUrl(body, record) }),
      });
    },
  );

  app.get(
    '/datasets',
    {
      schema: {
        summary: 'Every registered dataset',
        tags: ['datasets'],
        response: { 200: Type.Object({ datasets: Type.Array(DatasetView) }) },
      },
    },
    async () => app.datasets.list(),
  );

  app.get(
    '/datasets/:id',
    {
      schema: {
        summary: 'A dataset: format, samples per split, input shape and dtype, labels, sha256, size',
        tags: ['datasets'],
        params: IdParams,
        response: { 200: DatasetView, ...errorResponses(401, 404) },
      },
    },
    async (request) => app.datasets.get(request.params.id),
  );

  app.get(
    '/datasets/:id/samples',
    {
      schema: {
        summary: 'A few decoded samples (images as PNG data URLs)',
        tags: ['datasets'],
        params: IdParams,
        querystring: SamplesQuery,
        response: { 200: DatasetSamples, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => app.datasets.samples(request.params.id, request.query.n),
  );

  app.delete(
    '/datasets/:id',
    {
      schema: {
        summary:
          'Delete a dataset (refused while a queued or running run uses it). One being ingested has its ingestion stopped first: 202, and it is gone once the ingestion has stopped',
        tags: ['datasets'],
        params: IdParams,
        response: {
          202: Type.Object({ id: Type.String(), status: Type.Literal('deleting') }),
          204: Type.Null(),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if ((await app.datasets.remove(id)) === 'deleting') return reply.code(202).send({ id, status: 'deleting' });
      return reply.code(204).send(null);
    },
  );
};

export default datasetsRoutes;
