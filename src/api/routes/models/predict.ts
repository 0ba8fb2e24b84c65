import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { formatPredictions, servingErrors, type PredictBody } from '../../../serving/index.ts';
import { parseEveryBodyAsJson } from '../../../serving/json-body.ts';
import { readTensorsFast } from '../tensor-body.ts';
import { errorResponses } from '../../schemas/common.ts';
import {
  ModelRefParams,
  PredictBody as PredictBodySchema,
  PredictQuery,
  PredictResponse,
} from '../../schemas/serving.ts';

const responses = { 200: PredictResponse, ...errorResponses(400, 401, 404, 413, 503) };

/**
 * GET and POST /models/:id/predict. `:id` is a model reference: `<id>`, `<name>` (its latest version),
 * `<name>@<version>` or `<name>@<alias>`, so a client pinned to `digits@production` follows the alias.
 */
const predictRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // This plugin's scope only: a predict body is JSON whatever content-type the client sent.
  parseEveryBodyAsJson(app);
  readTensorsFast(app);

  /** Answers PredictResponse as JSON text written from the output buffers (sent as it is, not serialized again). */
  const predict = async (ref: string, body: PredictBody, topK: number | undefined, reply: FastifyReply) => {
    const record = app.serving.loadedRecord(ref) ?? (await app.models.resolve(ref));
    const result = await app.serving.predict(record, body);
    const model = JSON.stringify({ id: record.id, name: record.name, version: record.version });
    const predictions = formatPredictions(result.outputs, result.heads, result.count, topK);
    return reply.type('application/json').send(`{"model":${model},"predictions":${predictions}}`);
  };

  app.get(
    '/models/:id/predict',
    {
      schema: {
        summary: 'Predict for instances given in the query (?instances=<URL-encoded JSON array>)',
        tags: ['serving'],
        params: ModelRefParams,
        querystring: PredictQuery,
        response: responses,
      },
    },
    async (request, reply) => {
      const { instances, topK } = request.query;
      if (instances === undefined)
        throw servingErrors.invalidInput('query.instances', 'is required: a URL-encoded JSON array of instances');
      let parsed: unknown;
      try {
        parsed = JSON.parse(instances);
      } catch (error) {
        throw servingErrors.invalidInput('query.instances', `is not valid JSON: ${(error as Error).message}`);
      }
      return predict(request.params.id, { instances: parsed }, topK, reply);
    },
  );

  app.post(
    '/models/:id/predict',
    {
      schema: {
        summary:
          'Predict: {"instances": [...]} (row format) or {"inputs": {...}} (columnar), as TensorFlow Serving takes them',
        tags: ['serving'],
        params: ModelRefParams,
        querystring: PredictQuery,
        body: PredictBodySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const hasInstances = body.instances !== undefined;
      if (hasInstances === (body.inputs !== undefined)) {
        throw servingErrors.invalidInput(
          'body',
          hasInstances
            ? 'give either instances or inputs, not both'
            : 'instances (row format) or inputs (columnar format) is required',
        );
      }
      return predict(
        request.params.id,
        hasInstances ? { instances: body.instances } : { inputs: body.inputs },
        body.topK ?? request.query.topK,
        reply,
      );
    },
  );
};

export default predictRoutes;
