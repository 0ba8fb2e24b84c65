import * as tf from '@tensorflow/tfjs';
import type { Callback, EpochRecord, Logs, StopReason, TrainingContext, TrainingState } from './callback.ts';
import { createHeadMetrics, forwardLoss, metricKey, type OutputHead } from './heads.ts';
import { RunningMean, type Metric } from './metrics.ts';
import type { BatchSource } from './batch-source.ts';
import { getLearningRate, isScheduled, setLearningRate } from './optimizer.ts';
import { localTrainStep, trainableVariables, type TrainStep } from './train-step.ts';
import { finalizeVariableValues } from './ema.ts';
import { parallelTrainStep } from './parallel/parallel-step.ts';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  classWeight?: Record<string, number>;
  callbacks: Callback[];
  /** Where to continue from (a checkpoint); absent = from the start. */
  initialState?: TrainingState;
  /** Captures and restores the state of the random generator behind dropout. */
  rng?: { state(): unknown; restore(state: unknown): void };
  /**
   * Data-parallel replicas (KILN_TRAINING_THREADS): each global batch is split by rows over this many
   * copies of the model, one per thread, and their gradients are averaged (see parallel/README.md).
   * wasm and cpu backends only. Default 1: the whole batch on this thread.
   */
  replicas?: number;
}

export interface FitResult {
  history: EpochRecord[];
  stopReason?: StopReason;
}

/** Running loss and metric accumulators of one pass (an epoch, or an evaluation). */
class PassAccumulator {
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

/**
 * The training loop: Keras' fit semantics with a loop of our own, so that loss weights, exact resume
 * and per-batch stopping work. It talks to the outside world only through callbacks.
 */
export async function fit(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  heads: OutputHead[],
  train: BatchSource,
  validation: BatchSource | undefined,
  opts: FitOptions,
): Promise<FitResult> {
  const batchesPerEpoch = Math.ceil(train.size / opts.batchSize);
  const state = opts.initialState;
  const history: EpochRecord[] = state ? [...state.history] : [];
  let stopReason: StopReason | undefined;
  let currentEpoch = state?.epoch ?? 0;
  let nextBatch = state?.batch ?? 0;
  let acc = new PassAccumulator(heads);
  let epochComplete = false;
  if (state) {
    // A schedule's rate follows from the optimizer's iteration count, restored with its weights.
    if (!isScheduled(optimizer)) setLearningRate(optimizer, state.learningRate);
    acc.restore(state.partial);
    for (const cb of opts.callbacks) if (cb.name in state.callbacks) cb.setState(state.callbacks[cb.name]);
    if (state.rng !== undefined) opts.rng?.restore(state.rng);
  }

  const ctx: TrainingContext = {
    model,
    optimizer,
    epochs: opts.epochs,
    batchesPerEpoch,
    batchSize: opts.batchSize,
    samples: train.size,
    get learningRate() {
      return getLearningRate(optimizer);
    },
    set learningRate(lr: number) {
      setLearningRate(optimizer, lr);
    },
    get stopReason() {
      return stopReason;
    },
    stop(reason) {
      stopReason ??= reason;
    },
    captureState: () => ({
      epoch: epochComplete ? currentEpoch + 1 : currentEpoch,
      batch: epochComplete ? 0 : nextBatch,
      partial: epochComplete ? {} : acc.state(),
      history: [...history],
      callbacks: Object.fromEntries(
        opts.callbacks.map((cb) => [cb.name, cb.getState()]).filter(([, s]) => s !== undefined),
      ),
      learningRate: getLearningRate(optimizer),
      rng: opts.rng?.state(),
    }),
  };

  // Replica threads start before the first callback; `finally` stops them whatever happens after.
  const step: TrainStep =
    (opts.replicas ?? 1) > 1
      ? await parallelTrainStep(model, optimizer, heads, { replicas: opts.replicas!, classWeight: opts.classWeight })
      : localTrainStep(model, optimizer, heads, opts.classWeight);
  try {
    for (const cb of opts.callbacks) await cb.onTrainBegin(ctx);
    for (; currentEpoch < opts.epochs && !stopReason; currentEpoch++) {
      const started = performance.now();
      epochComplete = false;
      for (const cb of opts.callbacks) await cb.onEpochBegin(currentEpoch, ctx);
      const request = {
        epoch: currentEpoch,
        startBatch: nextBatch,
        batchSize: opts.batchSize,
        shuffle: opts.shuffle,
        seed: opts.seed,
      };
      for await (const { xs, ys, size } of stopReason ? [] : train.batches(request)) {
        try {
          const { loss, perHead, preds } = await step.run(xs, ys, size);
          try {
            acc.update(loss, perHead, ys, preds, size);
          } finally {
            tf.dispose(preds);
          }
        } finally {
          tf.dispose([...xs, ...ys]);
        }
        nextBatch++;
        const logs = acc.logs();
        for (const cb of opts.callbacks) await cb.onBatchEnd(currentEpoch, nextBatch - 1, logs, ctx);
        if (stopReason) break;
      }
      if (nextBatch < batchesPerEpoch) break; // stopped in the middle of the epoch
      const durationMs = performance.now() - started;
      const logs: Logs = {
        ...acc.logs(),
        ...(validation ? await evaluateData(model, heads, validation, opts.batchSize, 'val_') : {}),
      };
      const record: EpochRecord = {
        epoch: currentEpoch + 1,
        metrics: logs,
        lr: getLearningRate(optimizer),
        durationMs: Math.round(durationMs),
        samplesPerSec: train.size / (durationMs / 1000),
      };
      history.push(record);
      epochComplete = true;
      for (const cb of opts.callbacks) await cb.onEpochEnd(currentEpoch, logs, record, ctx);
      nextBatch = 0;
      acc = new PassAccumulator(heads);
    }
    epochComplete = false; // the loop's increment already moved currentEpoch past the last epoch
    // Keras' fit ends with finalize_variable_values (EMA: the weights become their averages), before
    // on_train_end. Not when the run stops to resume later (interrupted, timed out) or is canceled.
    if (!stopReason || stopReason === 'early-stopping') finalizeVariableValues(optimizer, trainableVariables(model));
    for (const cb of opts.callbacks) await cb.onTrainEnd(ctx);
    return { history, stopReason };
  } finally {
    await step.close();
  }
}
