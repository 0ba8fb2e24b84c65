import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleStore } from '../../../src/engine/data/index.ts';

const x = { dtype: 'uint8' as const, shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) };
const y = { dtype: 'int32' as const, shape: [3], data: Int32Array.of(7, 8, 9) };

test('copies a sample as float32 at the given offset, leaving the rest of the buffer alone', () => {
  const store = new SampleStore({ x, y });
  const out = new Float32Array(6).fill(-1);
  store.copyFeatures(1, out, 1);
  assert.deepEqual([...out], [-1, 80, 100, 120, 140, -1]);
  assert.deepEqual(store.featureShape, [2, 2]);
  assert.equal(store.label(2), 9);
});

test('an index subset exposes only its rows, in its order, and subsets compose', () => {
  const store = new SampleStore({ x, y, indices: Int32Array.of(2, 0) });
  assert.equal(store.size, 2);
  assert.deepEqual([store.label(0), store.label(1)], [9, 7]);
  const inner = store.subset(Int32Array.of(1));
  assert.equal(inner.size, 1);
  assert.equal(inner.label(0), 7);
  const out = new Float32Array(4);
  inner.copyFeatures(0, out, 0);
  assert.deepEqual([...out], [0, 20, 40, 60]);
});

test('rejects mismatched sample counts and out-of-range indices', () => {
  assert.throws(
    () => new SampleStore({ x, y: { ...y, shape: [2], data: Int32Array.of(1, 2) } }),
    /3 samples but y has 2/,
  );
  assert.throws(() => new SampleStore({ x, y, indices: Int32Array.of(3) }), /\[0, 3\)/);
});

test('the shared copy holds the same samples in shared memory, one copy for all stores over the data', () => {
  const whole = new SampleStore({ x, y });
  const shared = new SampleStore(whole.sharedSource());
  assert.ok(shared.x.data.buffer instanceof SharedArrayBuffer);
  const out = new Float32Array(4);
  shared.copyFeatures(2, out, 0);
  assert.deepEqual([...out], [160, 180, 200, 220]);
  const split = whole.subset(Int32Array.of(2)).sharedSource();
  assert.equal(split.x.data, shared.x.data);
  assert.deepEqual([...split.indices!], [2]);
});
