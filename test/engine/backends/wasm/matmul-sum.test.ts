import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compareBackends, intBetween, makeRng, pick, randomValues, setUpBackends } from './parity.ts';

before(setUpBackends);

test('BatchMatMul with every transpose combination matches cpu, batched and broadcast', async () => {
  const failures: string[] = [];
  for (let i = 0; i < 40; i++) {
    const seed = `matmul-${i}`;
    const rng = makeRng(seed);
    const [m, k, n] = [intBetween(rng, 1, 9), intBetween(rng, 1, 9), intBetween(rng, 1, 9)];
    const transposeA = rng() < 0.5;
    const transposeB = rng() < 0.5;
    const batchA = pick(rng, [[], [1], [3], [2, 2]]);
    const batchB = batchA.length === 0 ? [] : pick(rng, [batchA, batchA.map(() => 1)]);
    const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
    const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
    const a = randomValues(rng, aShape);
    const b = randomValues(rng, bShape);
    const label = JSON.stringify({ seed, aShape, bShape, transposeA, transposeB });
    failures.push(
      ...(await compareBackends(label, () => [
        tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB),
      ])),
    );
  }
  assert.deepEqual(failures, []);
});

test('Sum over leading axes (bias gradients) and other axes matches cpu', async () => {
  const failures: string[] = [];
  const cases: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
    { shape: [7, 5, 5, 3], axis: [0, 1, 2], keepDims: false },
    { shape: [7, 5, 5, 3], axis: [2, 0, 1], keepDims: true },
    { shape: [9, 4], axis: 0, keepDims: false },
    { shape: [5, 3, 2], axis: [0, 1], keepDims: false },
    { shape: [5, 3, 2], axis: [1, 2], keepDims: false },
    { shape: [5, 3, 2], axis: [0, 2], keepDims: true },
    { shape: [5, 3, 2], axis: [0, 1, 2], keepDims: false },
    { shape: [6], axis: -1, keepDims: false },
  ];
  for (const [i, c] of cases.entries()) {
    const values = randomValues(makeRng(`sum-${i}`), c.shape);
    failures.push(
      ...(await compareBackends(JSON.stringify(c), () => {
        const out = tf.sum(tf.tensor(values, c.shape), c.axis, c.keepDims);
        // The shape matters as much as the values: encode it as an extra output.
        return [out, tf.tensor1d(out.shape.length > 0 ? out.shape : [0])];
      })),
    );
  }
  assert.deepEqual(failures, []);
});
