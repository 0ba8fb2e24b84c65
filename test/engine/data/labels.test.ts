import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLabel, encodedLabelShape, SampleStore } from '../../../src/engine/data/index.ts';

const x = { dtype: 'uint8' as const, shape: [3, 1], data: new Uint8Array(3) };
const classes = new SampleStore({ x, y: { dtype: 'int32', shape: [3, 1], data: Int32Array.of(2, 0, 1) } });

test('oneHot writes a row of numClasses with a single 1 at the class', () => {
  const enc = { kind: 'oneHot', numClasses: 4 } as const;
  assert.deepEqual(encodedLabelShape(enc, classes), [4]);
  const out = new Float32Array(8).fill(9);
  encodeLabel(enc, classes, 0, out, 0);
  encodeLabel(enc, classes, 1, out, 4);
  assert.deepEqual([...out], [0, 0, 1, 0, 1, 0, 0, 0]);
});

test('sparse writes the class index as a float; raw copies stored values', () => {
  const out = new Float32Array(1);
  assert.deepEqual(encodedLabelShape({ kind: 'sparse' }, classes), []);
  encodeLabel({ kind: 'sparse' }, classes, 2, out, 0);
  assert.equal(out[0], 1);
  const regression = new SampleStore({
    x,
    y: { dtype: 'float32', shape: [3, 2], data: Float32Array.of(0.5, -1, 2, 3, 4, 5) },
  });
  const raw = new Float32Array(2);
  assert.deepEqual(encodedLabelShape({ kind: 'raw' }, regression), [2]);
  encodeLabel({ kind: 'raw' }, regression, 0, raw, 0);
  assert.deepEqual([...raw], [0.5, -1]);
});

test('refuses labels that are not class indices for the encoding', () => {
  assert.throws(
    () => encodeLabel({ kind: 'oneHot', numClasses: 2 }, classes, 0, new Float32Array(2), 0),
    /label 2, not a class index in \[0, 2\)/,
  );
  const wide = new SampleStore({ x, y: { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) } });
  assert.throws(() => encodedLabelShape({ kind: 'sparse' }, wide), /one class index per sample/);
  assert.throws(() => encodedLabelShape({ kind: 'oneHot', numClasses: 0 }, classes), /positive integer numClasses/);
});
