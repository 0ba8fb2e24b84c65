import { firstArg, str, type Command, type Values } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { watchRun } from '../watch.ts';
import type { DatasetRef } from '../../domain/run-spec/schema.ts';
import type { CreatedRun, ModelDetail } from '../api-types.ts';
import { modelPath } from './models.ts';
import { printEvaluation } from './show.ts';

const positiveInteger = (values: Values, key: string) => {
  const value = str(values, key);
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw usageError(`--${key} ${value}: expected a positive number`);
  return Number(value);
};

export const modelsEvaluateCommand: Command = {
  name: 'models evaluate',
  usage: 'kiln models evaluate MODEL --dataset D [--limit N] [--batch-size N] [--name RUN-NAME] [--watch]',
  summary:
    'Evaluate a model on a dataset (its rows as stored: the model applies its own preprocessing) as a run that trains nothing; --watch shows the metrics and confusion matrix',
  options: {
    dataset: { type: 'string', short: 'd' },
    limit: { type: 'string' },
    'batch-size': { type: 'string' },
    name: { type: 'string', short: 'n' },
    watch: { type: 'boolean', short: 'w' },
  },
  async run(ctx, { values, positionals }) {
    const ref = firstArg(positionals, this.usage);
    const datasetId = str(values, 'dataset');
    if (!datasetId) throw usageError('--dataset is required: the id of a registered dataset (or mnist)');
    const dataset: DatasetRef = { id: datasetId, limit: positiveInteger(values, 'limit') };
    const batchSize = positiveInteger(values, 'batch-size');
    // Resolved first: the run evaluates this version even if an alias moves meanwhile, and its labels name the classes.
    const model = await ctx.client.request<ModelDetail>('GET', modelPath(ref));
    const created = await ctx.client.request<CreatedRun>('POST', `${modelPath(model.id)}/evaluate`, {
      json: { dataset, batchSize, name: str(values, 'name') },
    });
    if (ctx.json && !values.watch) {
      ctx.printJson(created);
      return EXIT.ok;
    }
    if (!ctx.json) {
      ctx.print(`Run ${created.id} ${created.status}`);
      ctx.print(`Evaluating ${model.name} v${model.version} (${model.id}) on dataset ${datasetId}`);
    }
    if (!values.watch) {
      ctx.print(`Watch it: kiln watch ${created.id}; then kiln show ${created.id}`);
      return EXIT.ok;
    }
    return watchRun(ctx, created.id, {
      evaluated: (evaluation) => {
        if (evaluation) printEvaluation(ctx, evaluation, model.labels, { headline: false });
        else ctx.print(`No evaluation was reported; see kiln show ${created.id}`);
      },
    });
  },
};
