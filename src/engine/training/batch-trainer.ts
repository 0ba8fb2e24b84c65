import * as tf from '@tensorflow/tfjs';
import type { Logs } from './callback.ts';
import type { BatchSource } from './batch-source.ts';
import { createHeadMetrics, forwardLoss, metricKey, type OutputHead } from './heads.ts';
import { RunningMean, type Metric } from './metrics.ts';
import type { TrainStep } from './train-step.ts';

/**
 * What fit's loop asks of a training step, Keras' train_step / test_step pair: train one batch, say
 * what the epoch logs, score data without training. Kiln's compiled step (the compile spec's loss and
 * metrics) and a user's train_step module both are one, so the loop — epochs, callbacks, checkpoints,
 * resume, stopping — is the same for both.
 */
export interface BatchTrainer {
  /** Trains on one batch (`at`: which, both 0-based) and adds its loss and metrics to the epoch's. */
  train(
    xs: tf.Tensor[],
    ys: tf.Tensor[],
    size: number,
    at: { epoch: number; batch: number },
    /** Per-row weights (Keras' sample_weight), when the run names them. */
    sampleWeight?: tf.Tensor,
  ): Promise<void>;
  /** The epoch's logs so far. */
  logs(): Logs;
  /** Starts a new epoch's logs. */
  newEpoch(): void;
  /** The epoch's accumulators, for a checkpoint (restore takes them back). */
  state(): Record<string, number[]>;
  restore(state: Record<string, number[]>): void;
  /** Loss and metrics of `data` without training, keys prefixed (`val_`). */
  evaluate(data: BatchSource, batchSize: number, prefix?: string): Promise<Logs>;
  close(): Promise<void>;
}

/** The compiled model's trainer: `step` computes and applies the gradients, the compile spec's loss and metrics log. */
export function compiledTrainer(model: tf.LayersModel, heads: OutputHead[], step: TrainStep): BatchTrainer {
  let acc = new PassAccumulator(heads);
  return {
    async train(xs, ys, size, _at, sampleWeight) {
      // The weights ride after the targets (sliced by rows with them for replicas): see batchGradients.
      const { loss, perHead, preds } = await step.run(xs, sampleWeight ? [...ys, sampleWeight] : ys, size);
      try {
        acc.update(loss, perHead, ys, preds, size);
      } finally {
        tf.dispose(preds);
      }
    },
    logs: () => acc.logs(),
    newEpoch: () => void (acc = new PassAccumulator(heads)),
    state: () => acc.state(),
    restore: (state) => acc.restore(state),
    evaluate: (data, batchSize, prefix) => evaluateData(model, heads, data, batchSize, prefix),
    close: () => step.close(),
  };
}

/** Running loss and metric accumulators of one pass (an epoch, or an evaluation). */
export class PassAccumulator {
  readonly loss = new RunningMean();
  readonly headLoss: RunningMean[];
  readonly metrics: Metric[][];

  constructor(private readonly heads: OutputHead[]) {
    this.headLoss = heads.map(() => new RunningMean());
    this.metrics = createHeadMetrics(heads);
  }

  update(total: number, perHead: number[], ys: tf.Tensor[], preds: tf.Tensor[], n: number): void {
    this.loss.add(total, n);
    perHead.forEach((l, i) => this.headLoss[i]!.add(l, n));
    tf.tidy(() => this.metrics.forEach((ms, i) => ms.forEach((m) => m.update(ys[i]!, preds[i]!))));
  }

  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.loss.result() };
    if (this.heads.length > 1) {
      this.heads.forEach((h, i) => (logs[`${prefix}${metricKey(h, 'loss', this.heads)}`] = this.headLoss[i]!.result()));
    }
    for (const m of this.metrics.flat()) logs[`${prefix}${m.name}`] = m.result();
    return logs;
  }

  state(): Record<string, number[]> {
    const s: Record<string, number[]> = { loss: this.loss.state() };
    this.headLoss.forEach((h, i) => (s[`head:${i}`] = h.state()));
    for (const m of this.metrics.flat()) s[`metric:${m.name}`] = m.state();
    return s;
  }

  restore(s: Record<string, number[]>): void {
    this.loss.restore(s.loss ?? []);
    this.headLoss.forEach((h, i) => h.restore(s[`head:${i}`] ?? []));
    for (const m of this.metrics.flat()) m.restore(s[`metric:${m.name}`] ?? []);
  }
}

/** Loss and metrics of a model over a dataset, batch by batch, without training. */
export async function evaluateData(
  model: tf.LayersModel,
  heads: OutputHead[],
  data: BatchSource,
  batchSize: number,
  prefix = '',
): Promise<Logs> {
  const acc = new PassAccumulator(heads);
  for await (const { xs, ys, size } of data.batches({ epoch: 0, startBatch: 0, batchSize, shuffle: false, seed: 0 })) {
    try {
      tf.tidy(() => {
        const { total, perHead, preds } = forwardLoss(model, heads, xs, ys, false);
        acc.update(
          total.dataSync()[0]!,
          perHead.map((l) => l.dataSync()[0]!),
          ys,
          preds,
          size,
        );
      });
    } finally {
      tf.dispose([...xs, ...ys]);
    }
  }
  return acc.logs(prefix);
}
