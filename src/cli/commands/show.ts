import { firstArg, type Command, type CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { confusionMatrix } from '../render/confusion.ts';
import { formatMetrics, formatMetricValue, orderMetrics } from '../render/progress.ts';
import { keyValues, table } from '../render/table.ts';
import { duration, when } from '../render/time.ts';
import type { TransferModelSpec } from '../../engine/model/types.ts';
import type { Evaluation, ModelDetail, RunView } from '../api-types.ts';

export const showCommand: Command = {
  name: 'show',
  usage: 'kiln show RUN',
  summary: 'A run: status, a table of its epochs, its evaluation and confusion matrix',
  async run(ctx, { positionals }) {
    const id = firstArg(positionals, this.usage);
    const run = await ctx.client.request<RunView>('GET', `/runs/${encodeURIComponent(id)}`);
    if (ctx.json) {
      ctx.printJson(run);
      return EXIT.ok;
    }
    const evaluated = evaluatedModel(run.spec);
    // Class names live on the model: the one the run registered, or the one it evaluated (named here too).
    const labelsFrom = run.modelId ?? evaluated;
    const model = labelsFrom && (evaluated || run.evaluation?.confusion) ? await findModel(ctx, labelsFrom) : null;
    ctx.print(
      keyValues([
        ['Run', `${run.id}${run.name ? `  (${run.name})` : ''}`],
        ['Status', run.status],
        ['Error', run.error ? `${run.error.code ? `${run.error.code}: ` : ''}${run.error.message ?? ''}` : null],
        ['Created', when(run.createdAt)],
        [
          'Ran',
          run.startedAt
            ? `${when(run.startedAt)} → ${when(run.finishedAt) || 'now'}${run.finishedAt ? ` (${duration(run.startedAt, run.finishedAt)})` : ''}`
            : null,
        ],
        ['Attempt', run.attempt > 1 ? run.attempt : null],
        ['Backend', run.backend ? `${run.backend}${run.device ? ` (${run.device})` : ''}` : null],
        ['Dataset', 'id' in run.spec.dataset ? run.spec.dataset.id : 'inline'],
        evaluated
          ? ['Evaluates', model ? `${model.name} v${model.version}  (${model.id})` : evaluated]
          : ['Base model', transferBase(run.spec)],
        ['Model', run.modelId],
      ]),
    );
    if (run.epochs.length) ctx.print(`\n${epochTable(run.epochs)}`);
    if (run.evaluation) printEvaluation(ctx, run.evaluation, model?.labels ?? null);
    return EXIT.ok;
  },
};

function epochTable(epochs: RunView['epochs']): string {
  const keys = orderMetrics(Object.assign({}, ...epochs.map((e) => e.metrics))).map(([k]) => k);
  return table(
    ['epoch', ...keys, 'lr', 'time', 'samples/s'],
    epochs.map((e) => [
      e.epoch,
      ...keys.map((k) => (e.metrics[k] === undefined ? '' : formatMetricValue(e.metrics[k]!))),
      e.lr === null ? '' : Number(e.lr.toPrecision(3)).toString(),
      `${(e.durationMs / 1000).toFixed(1)}s`,
      e.samplesPerSec === null ? '' : Math.round(e.samplesPerSec),
    ]),
  );
}

/** The registered model a transfer run starts from (as the spec names it), or null. */
function transferBase(spec: RunView['spec']): string | null {
  const model = spec.model as Partial<TransferModelSpec>;
  return model.type === 'transfer' && typeof model.base === 'string' ? model.base : null;
}

/** The model a run only evaluates (`kiln models evaluate`: its base as is, fit.epochs 0), or null. */
function evaluatedModel(spec: RunView['spec']): string | null {
  const model = spec.model as Partial<TransferModelSpec>;
  const asIs = !model.layers?.length && model.upTo === undefined;
  return spec.fit.epochs === 0 && asIs ? transferBase(spec) : null;
}

/** A model, or null if it cannot be read (deleted since): its classes then show as numbers. */
async function findModel(ctx: CommandContext, ref: string): Promise<ModelDetail | null> {
  return ctx.client.request<ModelDetail>('GET', `/models/${encodeURIComponent(ref)}`).catch(() => null);
}

/**
 * An evaluation as `kiln show` prints it: the metrics line (unless `headline` is false, when the watch
 * display printed it already), then for classifiers the confusion matrix and per-class scores.
 */
export function printEvaluation(
  ctx: CommandContext,
  evaluation: Evaluation,
  labels: string[] | null,
  { headline = true } = {},
): void {
  if (headline) {
    // The stored evaluation keeps no sample count; a classifier's confusion matrix adds up to it.
    const samples = evaluation.samples ?? evaluation.confusion?.flat().reduce((a, b) => a + b, 0);
    ctx.print(
      `\nEvaluation${samples === undefined ? '' : ` on ${samples} test samples`}${formatMetrics(evaluation.metrics)}`,
    );
  }
  if (!evaluation.confusion) return;
  ctx.print(
    `\nConfusion matrix (rows: true class, columns: predicted; shading: share of the row)\n${confusionMatrix(evaluation.confusion, labels)}`,
  );
  if (evaluation.perClass?.length) {
    ctx.print(
      `\n${table(
        ['class', 'precision', 'recall', 'support'],
        evaluation.perClass.map((c) => [
          labels?.[c.class] ?? String(c.class),
          c.precision.toFixed(4),
          c.recall.toFixed(4),
          c.support,
        ]),
      )}`,
    );
  }
}
