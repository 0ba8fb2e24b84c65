import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPreprocess, resolvePreprocess, SampleStore } from '../../../src/engine/data/index.ts';

// Two features: the first varies (train values 0, 10, 20, 30), the second is constant (5).
const train = new SampleStore({
  x: { dtype: 'uint8', shape: [4, 2], data: Uint8Array.of(0, 5, 10, 5, 20, 5, 30, 5) },
  y: { dtype: 'int32', shape: [4], data: new Int32Array(4) },
});

test('scale multiplies every feature', () => {
  const p = resolvePreprocess({ scale: 1 / 255 }, train);
  const row = Float32Array.of(255, 51);
  applyPreprocess(p, row, 0, 2);
  assert.deepEqual([...row], [Math.fround(255 / 255), Math.fround(51 * (1 / 255))]);
});

test('standardize uses the train statistics per feature, and maps a constant feature to 0 instead of NaN', () => {
  const p = resolvePreprocess({ standardize: true }, train);
  assert.equal(p.kind, 'standardize');
  const std = Math.sqrt((15 ** 2 + 5 ** 2 + 5 ** 2 + 15 ** 2) / 4);
  // Train data comes out with mean 0 and std 1 ...
  const rows = [0, 10, 20, 30].map((v) => Float32Array.of(v, 5));
  rows.forEach((r) => applyPreprocess(p, r, 0, 2));
  assert.deepEqual(
    rows.map((r) => r[1]),
    [0, 0, 0, 0],
  );
  const values = rows.map((r) => r[0]!);
  assert.ok(Math.abs(values.reduce((a, b) => a + b) / 4) < 1e-6);
  assert.ok(Math.abs(values[3]! - 15 / std) < 1e-6);
  // ... and another split is shifted by the TRAIN mean, not its own.
  const testRow = Float32Array.of(15, 9);
  applyPreprocess(p, testRow, 0, 2);
  assert.equal(testRow[0], 0);
  assert.equal(testRow[1], 4);
});

test('no spec leaves features as they are; a bad scale is refused', () => {
  const row = Float32Array.of(3, 4);
  applyPreprocess(resolvePreprocess(undefined, train), row, 0, 2);
  assert.deepEqual([...row], [3, 4]);
  assert.throws(() => resolvePreprocess({ scale: NaN }, train), /finite/);
});
