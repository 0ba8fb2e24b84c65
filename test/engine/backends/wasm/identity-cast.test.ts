import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setUpBackends } from './parity.ts';

before(async () => {
  await setUpBackends();
  await tf.setBackend('wasm');
});

test('a clone outlives its disposed original and frees the buffer when disposed last', () => {
  const buffersBefore = tf.engine().backend.numDataIds();
  const original = tf.tensor([1.5, -2, 3]);
  const copy = tf.clone(original);
  original.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1.5, -2, 3]);
  copy.dispose();
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
});

test('Cast still converts between dtypes, and same-dtype casts keep values', () => {
  const x = tf.tensor([1.7, -2.2, 0]);
  assert.deepEqual(Array.from(tf.cast(x, 'int32').dataSync()), [1, -2, 0]);
  assert.deepEqual(Array.from(tf.cast(x, 'bool').dataSync()), [1, 1, 0]);
  const same = tf.cast(x, 'float32');
  x.dispose();
  assert.deepEqual(Array.from(same.dataSync()), [1.7000000476837158, -2.200000047683716, 0]);
  same.dispose();
});
