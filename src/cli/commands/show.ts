import { firstArg, type Command, type CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { confusionMatrix } from '../render/confusion.ts';
import { formatMetrics, formatMetricValue, orderMetrics } from '../render/progress.ts';
import { keyValues, table } from '../render/table.ts';
import { duration, when } from '../render/time.ts';
import type { Evaluation, RunView } from '../api-types.ts';

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
        ['Model', run.modelId],
      ]),
    );
    if (run.epochs.length) ctx.print(`\n${epochTable(run.epochs)}`);
    if (run.evaluation) await printEvaluation(ctx, run.evaluation, run.modelId);
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

async function printEvaluation(ctx: CommandContext, evaluation: Evaluation, modelId: string | null): Promise<void> {
  // The stored evaluation keeps no sample count; a classifier's confusion matrix adds up to it.
  const samples = evaluation.samples ?? evaluation.confusion?.flat().reduce((a, b) => a + b, 0);
  ctx.print(
    `\nEvaluation${samples === undefined ? '' : ` on ${samples} test samples`}${formatMetrics(evaluation.metrics)}`,
  );
  if (!evaluation.confusion) return;
  // Class names live on the model; without one (or if it cannot be read) classes show as numbers.
  const labels = modelId
    ? await ctx.client.request<{ labels: string[] | null }>('GET', `/models/${encodeURIComponent(modelId)}`).then(
        (m) => m.labels,
        () => null,
      )
    : null;
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
