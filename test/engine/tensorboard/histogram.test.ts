import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHistogram, defaultBucketLimits } from '../../../src/engine/tensorboard/histogram.ts';

test("default bucket limits are TF's: symmetric, 10% growth from 1e-12 to 1e20, 0 and ±DBL_MAX", () => {
  const limits = defaultBucketLimits();
  const zero = limits.indexOf(0);
  assert.equal(limits.length, 2 * zero + 1);
  assert.equal(limits[0], -Number.MAX_VALUE);
  assert.equal(limits[limits.length - 1], Number.MAX_VALUE);
  assert.equal(limits[zero + 1], 1e-12);
  assert.ok(limits[limits.length - 2] < 1e20 && limits[limits.length - 2] * 1.1 >= 1e20);
  for (let i = 1; i < limits.length; i++) assert.ok(limits[i] > limits[i - 1]);
  for (let i = 1; i <= zero; i++) assert.equal(limits[zero - i], -limits[zero + i]);
  assert.ok(Math.abs(limits[zero + 2] / limits[zero + 1] - 1.1) < 1e-12);
});

test('every value is counted in the bucket whose range [previous limit, limit) contains it', () => {
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
  const h = buildHistogram(values);
  assert.equal(h.num, 1000);
  assert.equal(
    h.bucket.reduce((a, b) => a + b, 0),
    1000,
  );
  assert.equal(h.bucketLimit.length, h.bucket.length);
  for (const v of values) {
    const i = h.bucketLimit.findIndex((limit) => v < limit);
    const lower = i === 0 ? -Infinity : h.bucketLimit[i - 1];
    assert.ok(v >= lower && h.bucket[i] > 0, `value ${v}`);
  }
});

test('summary statistics are exact and empty runs collapse into a single zero bucket', () => {
  const h = buildHistogram([0, 1, -1, 1, 2.5]);
  assert.deepEqual([h.min, h.max, h.num, h.sum, h.sumSquares], [-1, 2.5, 5, 3.5, 9.25]);
  for (let i = 1; i < h.bucket.length; i++)
    assert.ok(h.bucket[i] > 0 || h.bucket[i - 1] > 0, `two empty buckets at ${i}`);
  // 0 lands in [0, 1e-12), both 1s share a bucket, and the tail runs to DBL_MAX.
  assert.equal(h.bucket[h.bucketLimit.indexOf(1e-12)], 1);
  assert.equal(h.bucket[h.bucketLimit.findIndex((l) => l > 1)], 2);
  assert.equal(h.bucketLimit.at(-1), Number.MAX_VALUE);
  assert.equal(h.bucket.length, 9);
});

test('non-finite values are left out instead of poisoning the statistics', () => {
  const h = buildHistogram([NaN, Infinity, -Infinity, 4]);
  assert.deepEqual([h.min, h.max, h.num, h.sum, h.sumSquares], [4, 4, 1, 4, 16]);
  const empty = buildHistogram([NaN]);
  assert.deepEqual([empty.min, empty.max, empty.num, empty.bucket], [0, 0, 0, [0]]);
});
