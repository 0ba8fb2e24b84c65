import * as tf from '@tensorflow/tfjs';

/**
 * Keras 3's base-optimizer options, which every Keras optimizer takes and no TensorFlow.js optimizer
 * has: gradient clipping and decoupled weight decay. At most one clipping option is set (the api
 * refuses several, as Keras does).
 */
export interface KerasOptimizerOptions {
  /** Each gradient tensor scaled to an L2 norm of at most this. */
  clipnorm?: number;
  /** Each gradient element clipped to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** All gradients scaled together to a global L2 norm of at most this. */
  globalClipnorm?: number;
  /** variable -= learningRate · weightDecay · variable, before the update. */
  weightDecay?: number;
}

/** `tensor · clip / max(norm, clip)`: unchanged within the norm, scaled onto it beyond (Keras' clip_by_norm). */
function scaleToNorm(tensor: tf.Tensor, norm: tf.Tensor, clip: number): tf.Tensor {
  return tf.div(tf.mul(tensor, clip), tf.maximum(norm, clip));
}

/** Keras' `_clip_gradients`: clipnorm, else global_clipnorm, else clipvalue. Call inside a tidy. */
export function clipGradients(grads: tf.NamedTensorMap, opts: KerasOptimizerOptions): tf.NamedTensorMap {
  const entries = Object.entries(grads);
  if (opts.clipnorm) {
    const clip = opts.clipnorm;
    return Object.fromEntries(entries.map(([name, g]) => [name, scaleToNorm(g, tf.norm(g), clip)]));
  }
  if (opts.globalClipnorm) {
    const clip = opts.globalClipnorm;
    const global = tf.sqrt(tf.addN(entries.map(([, g]) => tf.sum(tf.square(g)))));
    return Object.fromEntries(entries.map(([name, g]) => [name, scaleToNorm(g, global, clip)]));
  }
  if (opts.clipvalue) {
    const v = opts.clipvalue;
    return Object.fromEntries(entries.map(([name, g]) => [name, tf.clipByValue(g, -v, v)]));
  }
  return grads;
}

/** Keras 3's `_apply_weight_decay` on the variables being updated: `variable - variable · wd · lr`. */
export function applyWeightDecay(names: string[], weightDecay: number, learningRate: number): void {
  tf.tidy(() => {
    for (const name of names) {
      const variable = tf.engine().registeredVariables[name];
      if (variable) variable.assign(tf.sub(variable, tf.mul(variable, weightDecay * learningRate)));
    }
  });
}

/**
 * Wraps an optimizer's applyGradients so that every update — single-thread or the averaged gradients
 * of data-parallel replicas, which go through the same call — clips first, then decays, then updates,
 * in Keras 3's order (BaseOptimizer.apply). `beforeStep` runs first (a learning-rate schedule sets the
 * step's rate there); `learningRate` reads the rate the step uses, for the decay.
 */
export function withKerasOptions(
  optimizer: tf.Optimizer,
  opts: KerasOptimizerOptions,
  learningRate: () => number,
  beforeStep?: () => void,
): tf.Optimizer {
  const clips = Boolean(opts.clipnorm || opts.clipvalue || opts.globalClipnorm);
  if (!clips && !opts.weightDecay && !beforeStep) return optimizer;
  const apply = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (given: Parameters<tf.Optimizer['applyGradients']>[0]) => {
    beforeStep?.();
    // Keras drops variables without a gradient before clipping (they are not in the global norm either).
    const named: tf.NamedTensorMap = {};
    if (Array.isArray(given)) {
      for (const { name, tensor } of given) if (tensor != null) named[name] = tensor;
    } else {
      for (const [name, tensor] of Object.entries(given)) if (tensor != null) named[name] = tensor;
    }
    tf.tidy(() => {
      const grads = clips ? clipGradients(named, opts) : named;
      if (opts.weightDecay) applyWeightDecay(Object.keys(grads), opts.weightDecay, learningRate());
      apply(grads);
    });
  };
  return optimizer;
}
