import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseRunSpec } from '../../../domain/run-spec/parse.ts';
import { errorResponses } from '../../schemas/common.ts';
import { EvaluateBody } from '../../schemas/models.ts';
import { CreatedRun } from '../../schemas/runs.ts';
import { ModelRefParams } from '../../schemas/serving.ts';

/**
 * POST /models/:id/evaluate: evaluates a registered model on a dataset without training, as a run of
 * its own (a transfer of the model with `fit.epochs: 0`): loss, metrics, and for classifiers the
 * confusion matrix and per-class precision and recall, stored and streamed like any run's evaluation.
 * The dataset's rows are given as it holds them: the model applies its own preprocessing.
 */
const evaluateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/models/:id/evaluate',
    {
      schema: {
        summary: 'Evaluate a registered model on a dataset (a run that trains nothing: fit.epochs 0)',
        tags: ['models'],
        params: ModelRefParams,
        body: EvaluateBody,
        response: { 201: CreatedRun, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const ref = request.params.id;
      const model = await app.models.resolve(ref);
      const compile = request.body.compile
        ? { optimizer: 'adam', ...request.body.compile }
        : await app.models.evaluationCompile(ref);
      const spec = parseRunSpec({
        name: request.body.name ?? `evaluate-${model.name}-v${model.version}`,
        model: { type: 'transfer', base: model.id },
        dataset: request.body.dataset,
        compile,
        fit: { epochs: 0, ...(request.body.batchSize ? { batchSize: request.body.batchSize } : {}) },
      });
      const result = await app.runs.create(spec, { dryRun: false });
      if (result.dryRun) throw new Error('an evaluation is never a dry run');
      return reply.code(201).send(result.run);
    },
  );
};

export default evaluateRoutes;
