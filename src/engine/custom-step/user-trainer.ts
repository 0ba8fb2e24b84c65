import type * as tfNamespace from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from '../training/batch-source.ts';
import type { BatchTrainer } from '../training/batch-trainer.ts';
import type { Logs } from '../training/callback.ts';
import { RunningMean } from '../training/metrics.ts';
import type { ExtraModel } from '../training/checkpoint-store.ts';
import type { StepContext, StepModule } from './load-step-module.ts';
import { callStep, type StepCallOptions } from './step-call.ts';

export interface UserTrainerOptions extends Omit<StepCallOptions, 'file'> {
  model: tfNamespace.LayersModel;
  optimizer: tfNamespace.Optimizer;
  module: StepModule;
  /** The further models and their optimizers (trainStep.models). */
  extras: ExtraModel[];
  /** Evaluation when the module has no test step: the compiled loss and metrics (Keras' default test_step). */
  compiledEvaluate: BatchTrainer['evaluate'];
}

/**
 * A user's train_step as fit's trainer. Each metric the step returns is averaged over the epoch's
 * batches, weighted by their size — what Keras' Mean trackers (`loss_tracker.update_state(loss)`) do
 * — so a step returns its batch's values and the epoch logs their mean, like the compiled loss.
 * The means are part of the checkpoint, so a resumed epoch continues them.
 */
export function userTrainer(opts: UserTrainerOptions): BatchTrainer {
  const call = { file: opts.module.file, timeoutMs: opts.timeoutMs, watchdog: opts.watchdog };
  let epoch = new Means();
  const context = (
    xs: tf.Tensor[],
    ys: tf.Tensor[],
    at: { epoch: number; batch: number },
    sampleWeight?: tf.Tensor,
  ): StepContext => ({
    model: opts.model,
    optimizer: opts.optimizer,
    models: Object.fromEntries(opts.extras.map((e) => [e.name, e.model])),
    optimizers: Object.fromEntries(opts.extras.map((e) => [e.name, e.optimizer])),
    tf,
    // Keras hands a model of one input its tensor, and a list for several.
    xs: xs.length === 1 ? xs[0]! : xs,
    ys: ys.length === 1 ? ys[0]! : ys,
    ...(sampleWeight ? { sampleWeight } : {}),
    ...at,
  });
  return {
    async train(xs, ys, size, at, sampleWeight) {
      epoch.add(await callStep('train_step', opts.module.trainStep, context(xs, ys, at, sampleWeight), call), size);
    },
    logs: () => epoch.logs(),
    newEpoch: () => void (epoch = new Means()),
    state: () => epoch.state(),
    restore: (state) => void (epoch = Means.restore(state)),
    async evaluate(data: BatchSource, batchSize: number, prefix = ''): Promise<Logs> {
      const testStep = opts.module.testStep;
      if (!testStep) return opts.compiledEvaluate(data, batchSize, prefix);
      const means = new Means();
      let batch = 0;
      for await (const { xs, ys, size } of data.batches({
        epoch: 0,
        startBatch: 0,
        batchSize,
        shuffle: false,
        seed: 0,
      })) {
        try {
          means.add(await callStep('test_step', testStep, context(xs, ys, { epoch: 0, batch: batch++ }), call), size);
        } finally {
          tf.dispose([...xs, ...ys]);
        }
      }
      return means.logs(prefix);
    },
    async close() {},
  };
}

/** Running means of named metrics, in the order the step first reported them. */
class Means {
  private readonly byKey = new Map<string, RunningMean>();

  add(logs: Logs, weight: number): void {
    for (const [key, value] of Object.entries(logs)) {
      let mean = this.byKey.get(key);
      if (!mean) this.byKey.set(key, (mean = new RunningMean()));
      mean.add(value, weight);
    }
  }

  logs(prefix = ''): Logs {
    return Object.fromEntries([...this.byKey].map(([key, mean]) => [`${prefix}${key}`, mean.result()]));
  }

  state(): Record<string, number[]> {
    return Object.fromEntries([...this.byKey].map(([key, mean]) => [key, mean.state()]));
  }

  static restore(state: Record<string, number[]>): Means {
    const means = new Means();
    for (const [key, s] of Object.entries(state)) {
      const mean = new RunningMean();
      mean.restore(s);
      means.byKey.set(key, mean);
    }
    return means;
  }
}
