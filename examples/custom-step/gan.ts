// A small GAN on MNIST digits as a Kiln train step, after Keras' "GAN overriding Model.train_step"
// example: the run's `model` is the discriminator (the data feeds it real digits), and
// `train_step.models.generator` is the generator, each with its own optimizer. Every checkpoint carries
// both models and both optimizers; at the end the generator is kept at runs/<id>/models/generator.
import type * as tfjs from '@tensorflow/tfjs';

/** Size of the noise the generator turns into a digit (its model's input shape). */
const LATENT = 16;

interface Batch {
  model: tfjs.LayersModel;
  optimizer: tfjs.Optimizer;
  models: Record<string, tfjs.LayersModel>;
  optimizers: Record<string, tfjs.Optimizer>;
  tf: typeof tfjs;
  xs: tfjs.Tensor;
}

export function trainStep({ model: discriminator, optimizer: dOptimizer, models, optimizers, tf, xs: real }: Batch) {
  const generator = models.generator!;
  const gOptimizer = optimizers.generator!;
  const n = real.shape[0]!;
  const trainable = (m: tfjs.LayersModel) => m.trainableWeights.map((w) => w.read() as tfjs.Variable);
  const bce = (labels: tfjs.Tensor, predictions: tfjs.Tensor) =>
    tf.mean(tf.metrics.binaryCrossentropy(labels, predictions)) as tfjs.Scalar;
  return tf.tidy(() => {
    const [ones, zeros] = [tf.ones([n, 1]), tf.zeros([n, 1])];
    // The discriminator learns to tell real digits (1) from generated ones (0).
    const fake = generator.apply(tf.randomNormal([n, LATENT]), { training: true }) as tfjs.Tensor;
    const d = tf.variableGrads(
      () =>
        tf.add(
          bce(ones, discriminator.apply(real, { training: true }) as tfjs.Tensor),
          bce(zeros, discriminator.apply(fake, { training: true }) as tfjs.Tensor),
        ) as tfjs.Scalar,
      trainable(discriminator),
    );
    dOptimizer.applyGradients(d.grads);
    // The generator learns to make the discriminator say "real"; only its own weights move.
    const g = tf.variableGrads(() => {
      const generated = generator.apply(tf.randomNormal([n, LATENT]), { training: true }) as tfjs.Tensor;
      return bce(ones, discriminator.apply(generated, { training: true }) as tfjs.Tensor);
    }, trainable(generator));
    gOptimizer.applyGradients(g.grads);
    return { d_loss: d.value, g_loss: g.value };
  });
}
