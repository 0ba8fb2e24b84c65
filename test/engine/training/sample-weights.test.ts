import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { sampleWeights } from '../../../src/engine/training/sample-weights.ts';

before(async () => {
  await initBackend('wasm');
});

const weightsOf = (y: tf.Tensor, classWeight: Record<string, number>) => {
  const w = sampleWeights(y, classWeight);
  const values = Array.from(w.dataSync());
  tf.dispose([w, y]);
  return values;
};

test('one weight per row by its class: one-hot, sparse and binary labels; other classes weigh 1', () => {
  assert.deepEqual(
    weightsOf(
      tf.tensor2d([
        [1, 0, 0],
        [0, 0, 1],
        [0, 1, 0],
      ]),
      { 0: 0.5, 2: 4 },
    ),
    [0.5, 4, 1],
  );
  assert.deepEqual(weightsOf(tf.tensor1d([2, 0, 1, 2]), { 1: 3, 2: 0.25 }), [0.25, 1, 3, 0.25]);
  // One column: binary labels, rounded as Keras rounds them.
  assert.deepEqual(weightsOf(tf.tensor2d([[0], [1], [0.9], [0.2]]), { 0: 1, 1: 5 }), [1, 5, 5, 1]);
});

test('no table sized by a key: huge, negative or non-integer keys are left out, not allocated or clipped', () => {
  const before = tf.memory().numBytes;
  assert.deepEqual(weightsOf(tf.tensor1d([0, 1]), { 0: 2, 1000000000: 7, 1000000000000000: 9, a: 3, '-1': 4 }), [2, 1]);
  assert.deepEqual(weightsOf(tf.tensor1d([0, 1]), { a: 3 }), [1, 1]);
  assert.equal(tf.memory().numBytes, before, 'nothing left allocated');
});

test("sample weights after the targets scale each row's loss, averaged over the batch as Keras does, times class weights", async () => {
  const { batchGradients } = await import('../../../src/engine/training/gradients.ts');
  const { resolveHeads } = await import('../../../src/engine/training/heads.ts');
  const input = tf.input({ shape: [2] });
  const output = tf.layers.dense({ units: 1, kernelInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  const heads = resolveHeads(model.outputNames, { loss: 'meanSquaredError' } as never);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
    [0, 1],
  ]);
  const y = tf.tensor2d([[1], [2], [5]]);
  const loss = (weights?: number[], classWeight?: Record<string, number>) =>
    tf.tidy(
      () =>
        batchGradients(
          model,
          heads,
          trainable,
          [x],
          weights ? [y, tf.tensor1d(weights)] : [y],
          classWeight,
        ).loss.dataSync()[0]!,
    );
  // Predictions 3, 7, 1 (kernel of ones, bias 0): squared errors 4, 25, 16.
  assert.ok(Math.abs(loss() - 45 / 3) < 1e-5);
  assert.ok(Math.abs(loss([1, 1, 1]) - 45 / 3) < 1e-5);
  assert.ok(Math.abs(loss([2, 0, 0.5]) - (8 + 0 + 8) / 3) < 1e-5, `${loss([2, 0, 0.5])}`);
  // Labels 1, 2, 5 rounded are the classes: class weight 3 on class 2 (row 1) multiplies its sample weight.
  assert.ok(Math.abs(loss([2, 1, 0.5], { 2: 3 }) - (8 + 75 + 8) / 3) < 1e-5, `${loss([2, 1, 0.5], { 2: 3 })}`);
  tf.dispose([x, y]);
  model.dispose();
});
