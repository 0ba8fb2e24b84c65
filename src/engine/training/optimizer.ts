import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EMA_MOMENTUM, OPTIMIZER_ARGS, type OptimizerArg } from '../spec/optimizers.ts';
import type { OptimizerSpec } from '../../domain/run-spec/schema.ts';
import { withKerasOptions } from './optimizer-options.ts';
import { createSchedule, type Schedule } from './lr-schedule.ts';
import { withEma } from './ema.ts';

/** Optimizers whose learning rate is a schedule of their iteration count (Keras' LearningRateSchedule). */
const schedules = new WeakMap<tf.Optimizer, Schedule>();

/**
 * Builds the optimizer a compile spec names, with Keras' default arguments (OPTIMIZER_ARGS, which
 * also lists what each optimizer takes: the api refuses any other argument rather than drop it here).
 */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const o = typeof spec === 'string' ? { type: spec } : spec;
  const schedule = typeof o.learningRate === 'object' ? createSchedule(o.learningRate) : undefined;
  const optimizer = createBase(o, schedule?.(0));
  const weightDecay = o.weightDecay ?? (OPTIMIZER_ARGS[o.type].weightDecay as number | undefined);
  if (schedule) schedules.set(optimizer, schedule);
  const withOptions = withKerasOptions(
    optimizer,
    { clipnorm: o.clipnorm, clipvalue: o.clipvalue, globalClipnorm: o.globalClipnorm, weightDecay },
    () => getLearningRate(optimizer),
    // Keras evaluates the schedule at the iteration count before each update (restored with the
    // optimizer's weights, so a resumed run takes the same rates).
    schedule && (() => setRate(optimizer, schedule(optimizer.iterations))),
  );
  // Outermost: Keras averages the variables after clipping, decay and the update.
  if (!o.useEma) return withOptions;
  return withEma(withOptions, {
    momentum: o.emaMomentum ?? DEFAULT_EMA_MOMENTUM,
    overwriteFrequency: o.emaOverwriteFrequency ?? undefined,
  });
}

/** The TensorFlow.js optimizer itself, before Keras 3's base-optimizer options are applied around it. */
function createBase(o: Exclude<OptimizerSpec, string>, scheduledRate: number | undefined): tf.Optimizer {
  const defaults = OPTIMIZER_ARGS[o.type];
  const num = (given: number | undefined, arg: OptimizerArg) => given ?? (defaults[arg] as number);
  const bool = (given: boolean | undefined, arg: OptimizerArg) => given ?? (defaults[arg] as boolean);
  const lr = scheduledRate ?? num(o.learningRate as number | undefined, 'learningRate');
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
  // With a schedule: Keras' optimizer.learning_rate, the schedule at the steps taken so far (the next step's rate).
  const schedule = schedules.get(optimizer);
  if (schedule) return schedule(optimizer.iterations);
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/** Whether the optimizer's learning rate is a schedule (which then decides it: setLearningRate refuses). */
export function isScheduled(optimizer: tf.Optimizer): boolean {
  return schedules.has(optimizer);
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Keras raises the same for a schedule; the api refuses ReduceLROnPlateau with one, so this is a bug if reached.
  if (schedules.has(optimizer)) throw new Error('the learning rate is set by its schedule and cannot be set');
  setRate(optimizer, lr);
}

function setRate(optimizer: tf.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof withSetter.setLearningRate === 'function') withSetter.setLearningRate(lr);
  else withSetter.learningRate = lr;
}
