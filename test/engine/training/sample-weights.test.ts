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
