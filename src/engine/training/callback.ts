import type * as tf from '@tensorflow/tfjs';

/** Metric values by Keras key: loss, accuracy, val_loss, val_accuracy, <output>_loss, ... */
export type Logs = Record<string, number>;

/** Why training stopped before its last epoch. `interrupted` = the worker is shutting down (resume later). */
export type StopReason = 'canceled' | 'interrupted' | 'early-stopping' | 'timeout';

/** Everything a run's state needs to continue exactly where it stopped. */
export interface TrainingState {
  /** Next epoch to run (0-based). */
  epoch: number;
  /** Next batch to run within that epoch (0 = epoch boundary). */
  batch: number;
  /** Accumulators of the epoch in progress, by metric key. */
  partial: Record<string, number[]>;
  history: EpochRecord[];
  /** Each callback's own state, by callback name. */
  callbacks: Record<string, unknown>;
  learningRate: number;
  /** Seeded generator state behind dropout and other random ops. */
  rng?: unknown;
}

export interface EpochRecord {
  epoch: number; // 1-based, as users count
  metrics: Logs;
  lr: number;
  durationMs: number;
  samplesPerSec: number;
}

/** What the loop offers its callbacks. */
export interface TrainingContext {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly batchSize: number;
  readonly samples: number;
  learningRate: number;
  readonly stopReason: StopReason | undefined;
  /** Asks the loop to stop after the current batch. The first reason given wins. */
  stop(reason: StopReason): void;
  /** The state as of now, for checkpoints. */
  captureState(): TrainingState;
}

/**
 * A training callback, Keras-style. The loop reaches the outside world only through these hooks;
 * they are awaited in order. Callbacks with state that must survive a crash implement
 * getState/setState (saved in every checkpoint).
 */
export abstract class Callback {
  abstract readonly name: string;
  async onTrainBegin(_ctx: TrainingContext): Promise<void> {}
  async onEpochBegin(_epoch: number, _ctx: TrainingContext): Promise<void> {}
  async onBatchEnd(_epoch: number, _batch: number, _logs: Logs, _ctx: TrainingContext): Promise<void> {}
  async onEpochEnd(_epoch: number, _logs: Logs, _record: EpochRecord, _ctx: TrainingContext): Promise<void> {}
  async onTrainEnd(_ctx: TrainingContext): Promise<void> {}
  getState(): unknown {
    return undefined;
  }
  setState(_state: unknown): void {}
}
