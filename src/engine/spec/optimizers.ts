import type { Issue } from '../../domain/errors.ts';
import type { CallbacksSpec, OptimizerSpec } from '../../domain/run-spec/schema.ts';

export type OptimizerType = Exclude<OptimizerSpec, string>['type'];
export type OptimizerArg = Exclude<keyof Exclude<OptimizerSpec, string>, 'type'>;

/**
 * Which arguments each optimizer takes, and their defaults: Keras' (tf.keras 2.11+ and Keras 3), so
 * that `"adam"` means what it means in Keras. One schema serves every optimizer; this table is what
 * keeps an argument the chosen optimizer does not use from being accepted and dropped.
 * `momentum` is Kiln's own name for SGD with momentum (default 0.9).
 */
export const OPTIMIZER_ARGS: Record<OptimizerType, Partial<Record<OptimizerArg, number | boolean>>> = {
  sgd: { learningRate: 0.01, momentum: 0, useNesterov: false },
  momentum: { learningRate: 0.01, momentum: 0.9, useNesterov: false },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  // Keras 3's AdamW: Adam with the decoupled weight decay every Keras 3 optimizer has, here on by default.
  adamw: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 },
  // Keras 2's Adamax `decay` (learning rate / (1 + decay · iterations)), which tfjs' Adamax implements.
  adamax: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 },
  rmsprop: { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  adagrad: { learningRate: 0.001, initialAccumulatorValue: 0.1 },
  adadelta: { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 },
};

/**
 * Keras 3's base-optimizer arguments, which every optimizer takes (Kiln applies them around the
 * TensorFlow.js optimizer: optimizer-options.ts, ema.ts). No default: absent means off (adamw's weightDecay
 * excepted, in OPTIMIZER_ARGS). ema_momentum and ema_overwrite_frequency without use_ema do nothing, as
 * in Keras, whose get_config writes all three.
 */
export const COMMON_OPTIMIZER_ARGS = [
  'clipnorm',
  'clipvalue',
  'globalClipnorm',
  'weightDecay',
  'useEma',
  'emaMomentum',
  'emaOverwriteFrequency',
] as const;

/** Keras 3's ema_momentum default. */
export const DEFAULT_EMA_MOMENTUM = 0.99;

const CLIP_ARGS = ['clipnorm', 'clipvalue', 'globalClipnorm'] as const;

/** Keras arguments TensorFlow.js' optimizer does not take, with why (and what to do instead). */
const UNSUPPORTED: Partial<Record<OptimizerArg, (type: OptimizerType) => string | undefined>> = {
  decay: (type) =>
    `is Keras 2's learning-rate decay; TensorFlow.js' ${type} has none${type === 'rmsprop' ? ' (its moving-average factor is rho)' : ''}. Use callbacks.reduceLROnPlateau, or adamax, which has it`,
  epsilon: (type) =>
    type === 'adagrad' ? "is fixed at 1e-7 (Keras' default) in TensorFlow.js' adagrad; leave it out" : undefined,
};

/**
 * Accepted anyway when given at the value TensorFlow.js uses regardless: adagrad's epsilon is the
 * backend's (1e-7 on the tensorflow, wasm and cpu backends Kiln trains on), so Keras code that spells
 * out the default still works.
 */
const FIXED: Partial<Record<OptimizerType, Partial<Record<OptimizerArg, number>>>> = { adagrad: { epsilon: 1e-7 } };

/** Every optimizer argument the chosen optimizer would not use, as a field error naming it. */
export function checkOptimizerArgs(spec: OptimizerSpec): Issue[] {
  if (typeof spec === 'string') return [];
  const takes = OPTIMIZER_ARGS[spec.type];
  const issues: Issue[] = [];
  const clips = CLIP_ARGS.filter((arg) => spec[arg] !== undefined);
  if (clips.length > 1) {
    issues.push({
      path: `compile.optimizer.${clips[1]}`,
      message: `only one of clipnorm, clipvalue and global_clipnorm can be set, as in Keras (given: ${clips.join(', ')})`,
    });
  }
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'type' || value === undefined || key in takes) continue;
    if ((COMMON_OPTIMIZER_ARGS as readonly string[]).includes(key)) continue;
    const arg = key as OptimizerArg;
    if (FIXED[spec.type]?.[arg] === value) continue;
    const why = UNSUPPORTED[arg]?.(spec.type) ?? `is not an argument of ${spec.type}`;
    issues.push({
      path: `compile.optimizer.${key}`,
      message: `${why} (${spec.type} takes ${[...new Set([...Object.keys(takes), ...COMMON_OPTIMIZER_ARGS])].join(', ')})`,
    });
  }
  return issues;
}

/**
 * A learning-rate schedule's cross-field rules, and what cannot go with one: PiecewiseConstantDecay
 * needs one value more than boundaries, in increasing order; ReduceLROnPlateau would set a rate the
 * schedule decides (Keras raises a TypeError at the first reduction; here it is a 400 before the run).
 */
export function checkLearningRateSchedule(spec: OptimizerSpec, callbacks: CallbacksSpec | undefined): Issue[] {
  if (typeof spec === 'string' || typeof spec.learningRate !== 'object') return [];
  const schedule = spec.learningRate;
  const path = 'compile.optimizer.learningRate';
  const issues: Issue[] = [];
  if (schedule.className === 'PiecewiseConstantDecay') {
    const { boundaries, values } = schedule.config;
    if (values.length !== boundaries.length + 1) {
      issues.push({
        path: `${path}.config.values`,
        message: `needs one more value than boundaries (${boundaries.length} boundaries, so ${boundaries.length + 1} values; got ${values.length})`,
      });
    }
    const unordered = boundaries.findIndex((b, i) => i > 0 && b <= boundaries[i - 1]!);
    if (unordered !== -1) {
      issues.push({
        path: `${path}.config.boundaries`,
        message: `must increase: boundary ${unordered} (${boundaries[unordered]}) is not above the one before (${boundaries[unordered - 1]})`,
      });
    }
  }
  if (callbacks?.reduceLROnPlateau) {
    issues.push({
      path: 'callbacks.reduceLROnPlateau',
      message: `cannot change a learning rate that a schedule sets (compile.optimizer.learning_rate is ${schedule.className}); Keras refuses it too. Use one or the other`,
    });
  }
  return issues;
}
