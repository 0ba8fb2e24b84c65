import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../spec/run-spec.ts';

// Keras' defaults, so that `"adam"` means what it means in Keras.
const DEFAULT_LR: Record<string, number> = {
  sgd: 0.01,
  momentum: 0.01,
  adam: 0.001,
  adamax: 0.002,
  rmsprop: 0.001,
  adagrad: 0.001,
  adadelta: 0.001,
};

/** Builds the optimizer a compile spec names, with Keras' default arguments. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const o = typeof spec === 'string' ? { type: spec } : spec;
  const lr = o.learningRate ?? DEFAULT_LR[o.type]!;
  switch (o.type) {
    case 'sgd':
      return o.momentum ? tf.train.momentum(lr, o.momentum, o.useNesterov ?? false) : tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, o.momentum ?? 0.9, o.useNesterov ?? false);
    case 'adam':
      return tf.train.adam(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7);
    case 'adamax':
      return tf.train.adamax(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7, o.decay ?? 0);
    case 'rmsprop':
      return tf.train.rmsprop(lr, o.rho ?? 0.9, o.momentum ?? 0, o.epsilon ?? 1e-7, o.centered ?? false);
    case 'adagrad':
      return tf.train.adagrad(lr, o.initialAccumulatorValue ?? 0.1);
    case 'adadelta':
      return tf.train.adadelta(lr, o.rho ?? 0.95, o.epsilon ?? 1e-7);
  }
}

/**
 * The one place that reads and changes a live optimizer's learning rate. SGD and Momentum expose
 * setLearningRate; Adam, Adamax, RMSProp, Adagrad and Adadelta read their `learningRate` field on
 * every step, which is not public API but is how tfjs 4.x works (checked by this module's test).
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(lr);
  else withSetter.learningRate = lr;
}
