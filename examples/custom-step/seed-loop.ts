// The seed tutorial's custom training loop (chapter 4, "when model.fit is not flexible enough") as a
// Kiln train step: Keras' train_step / test_step over TensorFlow.js. Submit it with a run spec's
// `"train_step": {"language": "ts", "source": <this file>}` on a Kiln whose operator set
// KILN_ALLOW_USER_CODE=true. Kiln runs the epochs, the data pipeline, checkpoints and events around it.
import type * as tfjs from '@tensorflow/tfjs';

interface Batch {
  model: tfjs.LayersModel;
  optimizer: tfjs.Optimizer;
  tf: typeof tfjs;
  xs: tfjs.Tensor;
  ys: tfjs.Tensor;
}

// with tf.GradientTape() as tape: predictions = model(images, training=True); loss = loss_fn(labels, predictions)
// optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), ...)); train_acc.update_state(...)
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
    optimizer.applyGradients(grads);
    const accuracy = tf.mean(tf.metrics.categoricalAccuracy(ys, predictions!));
    predictions!.dispose();
    // Per batch: Kiln averages each metric over the epoch (the seed resets its accuracy every epoch).
    return { loss, accuracy };
  });
}

// val_step: predictions = model(images, training=False); val_acc.update_state(labels, predictions)
export function testStep({ model, tf, xs, ys }: Batch) {
  return tf.tidy(() => {
    const predictions = model.apply(xs, { training: false }) as tfjs.Tensor;
    return {
      loss: tf.mean(tf.metrics.categoricalCrossentropy(ys, predictions)),
      accuracy: tf.mean(tf.metrics.categoricalAccuracy(ys, predictions)),
    };
  });
}
