import * as tf from '@tensorflow/tfjs';
import { OPTIMIZER_ARGS, type OptimizerArg } from '../spec/optimizers.ts';
import type { OptimizerSpec } from '../../domain/run-spec/schema.ts';
import { withKerasOptions } from './optimizer-options.ts';

/**
 * Builds the optimizer a compile spec names, with Keras' default arguments (OPTIMIZER_ARGS, which
 * also lists what each optimizer takes: the api refuses any other argument rather than drop it here).
 */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const o = typeof spec === 'string' ? { type: spec } : spec;
  const optimizer = createBase(o);
  const weightDecay = o.weightDecay ?? (OPTIMIZER_ARGS[o.type].weightDecay as number | undefined);
  return withKerasOptions(
    optimizer,
    { clipnorm: o.clipnorm, clipvalue: o.clipvalue, globalClipnorm: o.globalClipnorm, weightDecay },
    () => getLearningRate(optimizer),
  );
}

/** The TensorFlow.js optimizer itself, before Keras 3's base-optimizer options are applied around it. */
function createBase(o: Exclude<OptimizerSpec, string>): tf.Optimizer {
  const defaults = OPTIMIZER_ARGS[o.type];
  const num = (given: number | undefined, arg: OptimizerArg) => given ?? (defaults[arg] as number);
  const bool = (given: boolean | undefined, arg: OptimizerArg) => given ?? (defaults[arg] as boolean);
  const lr = num(o.learningRate, 'learningRate');
  switch (o.type) {
    case 'sgd': {
      const momentum = num(o.momentum, 'momentum');
      return momentum ? tf.train.momentum(lr, momentum, bool(o.useNesterov, 'useNesterov')) : tf.train.sgd(lr);
    }
    case 'momentum':
      return tf.train.momentum(lr, num(o.momentum, 'momentum'), bool(o.useNesterov, 'useNesterov'));
    case 'adam':
    case 'adamw': // Keras 3's AdamW is Adam plus the decoupled weight decay applied around it
      return tf.train.adam(lr, num(o.beta1, 'beta1'), num(o.beta2, 'beta2'), num(o.epsilon, 'epsilon'));
    case 'adamax':
      return tf.train.adamax(
        lr,
        num(o.beta1, 'beta1'),
        num(o.beta2, 'beta2'),
        num(o.epsilon, 'epsilon'),
        num(o.decay, 'decay'),
      );
    case 'rmsprop':
      return tf.train.rmsprop(
        lr,
        num(o.rho, 'rho'),
        num(o.momentum, 'momentum'),
        num(o.epsilon, 'epsilon'),
        bool(o.centered, 'centered'),
      );
    case 'adagrad':
      return tf.train.adagrad(lr, num(o.initialAccumulatorValue, 'initialAccumulatorValue'));
    case 'adadelta':
      return tf.train.adadelta(lr, num(o.rho, 'rho'), num(o.epsilon, 'epsilon'));
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
