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

function huber(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const error = tf.abs(tf.sub(yPred, yTrue));
  const quadratic = tf.minimum(error, 1);
  return tf.mean(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(error, quadratic)), -1);
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
  huber,
  hinge,
  kld,
};

/** The per-sample loss function of a Keras loss name. */
export function lossFunction(name: LossName): LossFn {
  return LOSSES[name];
}

export { sparseCategoricalCrossentropy };
