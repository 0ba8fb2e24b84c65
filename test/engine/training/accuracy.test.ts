import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { createMetric } from '../../../src/engine/training/metrics.ts';
import { train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

const accuracyOf = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
  const metric = createMetric('accuracy', 'accuracy');
  tf.tidy(() => metric.update(yTrue, yPred));
  tf.dispose([yTrue, yPred]);
  return metric.result();
};

test('"accuracy" resolves as Keras does, by the shapes of labels and predictions', () => {
  // One output unit: binary accuracy at 0.5 (2 of 4 right here), whatever the loss.
  assert.equal(accuracyOf(tf.tensor2d([[1], [0], [1], [0]]), tf.tensor2d([[0.9], [0.2], [0.3], [0.6]])), 0.5);
  // Integer labels, one per row (rank 1, or one column against several units): sparse.
  const probs = () =>
    tf.tensor2d([
      [0.1, 0.2, 0.7],
      [0.3, 0.4, 0.3],
    ]);
  assert.equal(accuracyOf(tf.tensor1d([2, 0]), probs()), 0.5);
  assert.equal(accuracyOf(tf.tensor2d([[2], [0]]), probs()), 0.5);
  // One-hot labels: categorical.
  assert.equal(
    accuracyOf(
      tf.tensor2d([
        [0, 0, 1],
        [1, 0, 0],
      ]),
      probs(),
    ),
    0.5,
  );
});

test('a one-unit output trained with mse reports binary accuracy, not a constant 1', async () => {
  // XOR through a single linear unit: no weights get more than 3 of the 4 points right.
  const run = await train({
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [2] }] },
    dataset: {
      inline: {
        x: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [[0], [1], [1], [0]],
      },
    },
    compile: { optimizer: { type: 'sgd', learningRate: 0.1 }, loss: 'mse', metrics: ['accuracy'] },
    fit: { epochs: 5, batchSize: 4, seed: 1 },
  });
  try {
    const accuracies = run.epochs.map((e) => e.metrics.accuracy!);
    assert.equal(accuracies.length, 5);
    for (const a of accuracies) assert.ok(a >= 0 && a <= 0.75, `accuracy ${a} of a linear unit on XOR`);
  } finally {
    await run.cleanup();
  }
});

test("metrics are reported under Keras' names: categorical_accuracy, not the internal categoricalAccuracy", async () => {
  const run = await train({
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 2, activation: 'softmax', inputShape: [2] }] },
    dataset: {
      inline: {
        x: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [
          [1, 0],
          [0, 1],
          [0, 1],
          [1, 0],
        ],
      },
    },
    compile: {
      optimizer: 'adam',
      loss: 'categorical_crossentropy',
      metrics: ['categorical_accuracy', 'binary_accuracy'],
    },
    fit: { epochs: 1, batchSize: 2, validationSplit: 0.5, seed: 1 },
  });
  try {
    assert.deepEqual(Object.keys(run.epochs[0]!.metrics).sort(), [
      'binary_accuracy',
      'categorical_accuracy',
      'loss',
      'val_binary_accuracy',
      'val_categorical_accuracy',
      'val_loss',
    ]);
  } finally {
    await run.cleanup();
  }
});
