import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compareBackends, intBetween, makeRng, pick, randomValues, setUpBackends } from './parity.ts';

before(setUpBackends);

test('UnsortedSegmentSum on wasm matches cpu, including repeated and out-of-range ids', async () => {
  const failures: string[] = [];
  for (let i = 0; i < 30; i++) {
    const seed = `segment-sum-${i}`;
    const rng = makeRng(seed);
    const numSegments = intBetween(rng, 1, 9);
    const rows = intBetween(rng, 1, 12);
    const rowShape = pick(rng, [[1], [5], [3, 4]]);
    const ids = Array.from({ length: rows }, () => intBetween(rng, -1, numSegments));
    const values = randomValues(rng, [rows, ...rowShape]);
    const label = JSON.stringify({ seed, numSegments, rows, rowShape, ids });
    failures.push(
      ...(await compareBackends(label, () => [
        tf.unsortedSegmentSum(tf.tensor(values, [rows, ...rowShape]), tf.tensor1d(ids, 'int32'), numSegments),
      ])),
    );
  }
  assert.deepEqual(failures, []);
});

test('Embedding-style gather gradient on wasm matches cpu', async () => {
  const rng = makeRng('gather-grad');
  const table = randomValues(rng, [10, 6]);
  const ids = Array.from({ length: 17 }, () => intBetween(rng, 0, 9));
  const upstream = randomValues(rng, [17, 6]);
  const failures = await compareBackends('gather-grad', () => {
    const r = tf.tensor2d(upstream, [17, 6]);
    const indices = tf.tensor1d(ids, 'int32');
    return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), r)))(tf.tensor2d(table, [10, 6]))];
  });
  assert.deepEqual(failures, []);
});
