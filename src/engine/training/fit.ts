import * as tf from '@tensorflow/tfjs';
import type { Callback, EpochRecord, Logs, StopReason, TrainingContext, TrainingState } from './callback.ts';
import type { OutputHead } from './heads.ts';
import { compiledTrainer, type BatchTrainer } from './batch-trainer.ts';
import type { BatchSource } from './batch-source.ts';
import { getLearningRate, isScheduled, setLearningRate } from './optimizer.ts';
import { localTrainStep, trainableVariables } from './train-step.ts';
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
  /** Trains each batch instead of the compiled model's step (a user's train_step); fit closes it. */
  trainer?: BatchTrainer;
}

export interface FitResult {
  history: EpochRecord[];
  stopReason?: StopReason;
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
  let epochComplete = false;
  // Replica threads start before the first callback; `finally` stops them whatever happens after.
  const trainer =
    opts.trainer ??
    compiledTrainer(
      model,
      heads,
      (opts.replicas ?? 1) > 1
        ? await parallelTrainStep(model, optimizer, heads, { replicas: opts.replicas!, classWeight: opts.classWeight })
        : localTrainStep(model, optimizer, heads, opts.classWeight),
    );

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
      partial: epochComplete ? {} : trainer.state(),
      history: [...history],
      callbacks: Object.fromEntries(
        opts.callbacks.map((cb) => [cb.name, cb.getState()]).filter(([, s]) => s !== undefined),
      ),
      learningRate: getLearningRate(optimizer),
      rng: opts.rng?.state(),
    }),
  };

  try {
    if (state) {
      // A schedule's rate follows from the optimizer's iteration count, restored with its weights.
      if (!isScheduled(optimizer)) setLearningRate(optimizer, state.learningRate);
      trainer.restore(state.partial);
      for (const cb of opts.callbacks) if (cb.name in state.callbacks) cb.setState(state.callbacks[cb.name]);
      if (state.rng !== undefined) opts.rng?.restore(state.rng);
    }
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
      for await (const { xs, ys, size, sampleWeight } of stopReason ? [] : train.batches(request)) {
        try {
          await trainer.train(xs, ys, size, { epoch: currentEpoch, batch: nextBatch }, sampleWeight);
        } finally {
          tf.dispose([...xs, ...ys, ...(sampleWeight ? [sampleWeight] : [])]);
        }
        nextBatch++;
        const logs = trainer.logs();
        for (const cb of opts.callbacks) await cb.onBatchEnd(currentEpoch, nextBatch - 1, logs, ctx);
        if (stopReason) break;
      }
      if (nextBatch < batchesPerEpoch) break; // stopped in the middle of the epoch
      const durationMs = performance.now() - started;
      const logs: Logs = {
        ...trainer.logs(),
        ...(validation ? await trainer.evaluate(validation, opts.batchSize, 'val_') : {}),
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
      trainer.newEpoch();
    }
    epochComplete = false; // the loop's increment already moved currentEpoch past the last epoch
    // Keras' fit ends with finalize_variable_values (EMA: the weights become their averages), before
    // on_train_end. Not when the run stops to resume later (interrupted, timed out) or is canceled.
    if (!stopReason || stopReason === 'early-stopping') finalizeVariableValues(optimizer, trainableVariables(model));
    for (const cb of opts.callbacks) await cb.onTrainEnd(ctx);
    return { history, stopReason };
  } finally {
    await trainer.close();
  }
}
