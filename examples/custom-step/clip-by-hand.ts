// Gradient clipping written by hand in a train step: the gradients' global norm is scaled down to at
// most CLIP before the optimizer sees them, as Keras' `global_clipnorm` (or tf.clip_by_global_norm in a
// GradientTape loop) does. The step also logs the norm before clipping, which no built-in metric shows.
import type * as tfjs from '@tensorflow/tfjs';

const CLIP = 0.1;

interface Batch {
  model: tfjs.LayersModel;
  optimizer: tfjs.Optimizer;
  tf: typeof tfjs;
  xs: tfjs.Tensor;
  ys: tfjs.Tensor;
}

export function trainStep({ model, optimizer, tf, xs, ys }: Batch) {
  return tf.tidy(() => {
    let predictions: tfjs.Tensor | undefined;
    const { value: loss, grads } = tf.variableGrads(
      () => {
        predictions = tf.keep(model.apply(xs, { training: true }) as tfjs.Tensor);
        return tf.mean(tf.metrics.categoricalCrossentropy(ys, predictions)) as tfjs.Scalar;
      },
      model.trainableWeights.map((w) => w.read() as tfjs.Variable),
    );
    // clip_by_global_norm: every gradient times CLIP / max(global norm, CLIP).
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(CLIP, tf.maximum(norm, CLIP));
    optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])));
    const accuracy = tf.mean(tf.metrics.categoricalAccuracy(ys, predictions!));
    predictions!.dispose();
    return { loss, accuracy, grad_norm: norm };
  });
}
