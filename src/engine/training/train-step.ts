import * as tf from '@tensorflow/tfjs';
import { batchGradients } from './gradients.ts';
import type { OutputHead } from './heads.ts';

/** What one optimisation step reports back to the loop (for the epoch's loss and metrics). */
export interface StepOutcome {
  loss: number;
  perHead: number[];
  /** Predictions for every row of the batch, in batch order; the caller disposes them. */
  preds: tf.Tensor[];
}

/**
 * One optimisation step on a global batch: the loop calls run() per batch and close() once in
 * `finally`. Hiding how the gradient is computed (here, or across replica threads) keeps fit's loop
 * the same for both.
 */
export interface TrainStep {
  run(xs: tf.Tensor[], ys: tf.Tensor[], size: number): Promise<StepOutcome>;
  close(): Promise<void>;
}

/** The model's trainable variables in a fixed order (the order replicas exchange gradients in). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Today's step: gradients of the whole batch on this thread, then the optimizer. */
export function localTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  heads: OutputHead[],
  classWeight?: Record<string, number>,
): TrainStep {
  const trainable = trainableVariables(model);
  return {
    async run(xs, ys) {
      return tf.tidy(() => {
        const { loss, perHead, preds, grads } = batchGradients(model, heads, trainable, xs, ys, classWeight);
        optimizer.applyGradients(grads);
        return { loss: loss.dataSync()[0]!, perHead: perHead.map((l) => l.dataSync()[0]!), preds };
      });
    },
    async close() {},
  };
}
