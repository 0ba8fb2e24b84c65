import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../../domain/run-spec/schema.ts';

/** A loss as Keras defines it: one value per sample (the caller weights and averages). */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

const EPSILON = 1e-7; // Keras' backend epsilon, used to clip probabilities before log

function sparseCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.shape.length - 1]!;
  const labels = tf.cast(tf.reshape(yTrue, [-1]), 'int32');
  const oneHot = tf.oneHot(labels, classes).reshape(yPred.shape);
  return tf.metrics.categoricalCrossentropy(oneHot, yPred);
}

/** Keras' huber: 0.5·x² where |x| ≤ delta, delta·|x| - 0.5·delta² beyond. */
function huber(yTrue: tf.Tensor, yPred: tf.Tensor, delta = 1): tf.Tensor {
  const error = tf.abs(tf.sub(yPred, yTrue));
  const quadratic = tf.minimum(error, delta);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, tf.sub(error, quadratic))), -1);
}

function hinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  // Keras maps {0,1} labels to {-1,1}.
  const signed = tf.where(tf.equal(yTrue, 0), tf.neg(tf.onesLike(yTrue)), yTrue);
  return tf.mean(tf.relu(tf.sub(1, tf.mul(signed, yPred))), -1);
}

function kld(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const t = tf.clipByValue(yTrue, EPSILON, 1);
  const p = tf.clipByValue(yPred, EPSILON, 1);
  return tf.sum(tf.mul(t, tf.log(tf.div(t, p))), -1);
}

const LOSSES: Record<LossName, LossFn> = {
  categoricalCrossentropy: (t, p) => tf.metrics.categoricalCrossentropy(t, p),
  sparseCategoricalCrossentropy,
  binaryCrossentropy: (t, p) => tf.metrics.binaryCrossentropy(t, p),
  meanSquaredError: (t, p) => tf.metrics.meanSquaredError(t, p),
  meanAbsoluteError: (t, p) => tf.metrics.meanAbsoluteError(t, p),
  meanAbsolutePercentageError: (t, p) => tf.metrics.meanAbsolutePercentageError(t, p),
  huber: (t, p) => huber(t, p),
  hinge,
  kld,
};

/** A Keras loss object's arguments that change what it computes (LOSS_CONFIG_ARGS says which class takes which). */
export interface LossOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
  delta?: number;
}

/** Keras' categorical crossentropy on logits: -Σ y · log_softmax(logits). */
function categoricalFromLogits(yTrue: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(logits, -1)), -1));
}

/** Keras' binary crossentropy on logits (TensorFlow's sigmoid_cross_entropy_with_logits), averaged over the last axis. */
function binaryFromLogits(yTrue: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.mean(tf.losses.sigmoidCrossEntropy(yTrue, logits, undefined, undefined, tf.Reduction.NONE), -1);
}

/** Keras' categorical label smoothing: y · (1 - ls) + ls / classes. */
function smoothCategorical(yTrue: tf.Tensor, ls: number, classes: number): tf.Tensor {
  return tf.add(tf.mul(yTrue, 1 - ls), ls / classes);
}

/** Keras' binary label smoothing: y · (1 - ls) + 0.5 · ls. */
function smoothBinary(yTrue: tf.Tensor, ls: number): tf.Tensor {
  return tf.add(tf.mul(yTrue, 1 - ls), 0.5 * ls);
}

/**
 * The per-sample loss function of a Keras loss name, with a loss object's arguments: from_logits and
 * label_smoothing as Keras 3 applies them (keras/src/losses/losses.py), huber's delta.
 */
export function lossFunction(name: LossName, options: LossOptions = {}): LossFn {
  const { fromLogits = false, labelSmoothing = 0 } = options;
  switch (name) {
    case 'categoricalCrossentropy':
      if (!fromLogits && !labelSmoothing) break;
      return (t, p) => {
        const target = labelSmoothing ? smoothCategorical(t, labelSmoothing, p.shape[p.shape.length - 1]!) : t;
        return fromLogits ? categoricalFromLogits(target, p) : tf.metrics.categoricalCrossentropy(target, p);
      };
    case 'sparseCategoricalCrossentropy':
      if (!fromLogits) break;
      return (t, p) => {
        const classes = p.shape[p.shape.length - 1]!;
        const oneHot = tf.oneHot(tf.cast(tf.reshape(t, [-1]), 'int32'), classes).reshape(p.shape);
        return categoricalFromLogits(oneHot, p);
      };
    case 'binaryCrossentropy':
      if (!fromLogits && !labelSmoothing) break;
      return (t, p) => {
        const target = labelSmoothing ? smoothBinary(t, labelSmoothing) : t;
        return fromLogits ? binaryFromLogits(target, p) : tf.metrics.binaryCrossentropy(target, p);
      };
    case 'huber':
      if (options.delta !== undefined) return (t, p) => huber(t, p, options.delta);
      break;
  }
  return LOSSES[name];
}

export { sparseCategoricalCrossentropy };
