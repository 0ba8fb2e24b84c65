import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs-core';
import { compareBackends, intBetween, makeRng, pick, randomValues, setUpBackends, type Rng } from './parity.ts';

before(setUpBackends);

interface PoolCase {
  seed: string;
  xShape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  /** Values rounded to a coarse grid (with many zeros, like relu output) so windows contain ties. */
  ties: boolean;
}

function randomCase(rng: Rng, seed: string): PoolCase {
  const pad = pick(rng, ['same', 'valid', 'number'] as const);
  // tfjs sizes numeric-pad outputs from the filter height and row stride only, so keep them square.
  const square = pad === 'number';
  const fh = intBetween(rng, 1, 3);
  const fw = square ? fh : intBetween(rng, 1, 3);
  const sh = pick(rng, [1, 2, 3]);
  return {
    seed,
    xShape: [pick(rng, [1, 2, 3]), intBetween(rng, fh, 11), intBetween(rng, fw, 11), pick(rng, [1, 3, 8, 32])],
    filterSize: [fh, fw],
    strides: [sh, square ? sh : pick(rng, [1, 2])],
    // A numeric pad must stay below the window size or tfjs pools empty windows.
    pad: square ? intBetween(rng, 0, fh - 1) : pad,
    ties: rng() < 0.5,
  };
}

function inputValues(c: PoolCase): Float32Array {
  const raw = randomValues(makeRng(`${c.seed}/data`), c.xShape);
  return c.ties ? raw.map((v) => Math.max(0, Math.round(v * 2) / 2)) : raw;
}

/** 'same'/'valid': the gradient through tf.grad, the path training takes. */
function gradientViaTape(c: PoolCase, pool: typeof tf.maxPool): () => tf.Tensor[] {
  const xValues = inputValues(c);
  return () => {
    const x = tf.tensor4d(xValues, c.xShape);
    const outShape = pool(x, c.filterSize, c.strides, c.pad).shape;
    const r = tf.tensor(randomValues(makeRng(`${c.seed}/dy`), outShape), outShape);
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D, c.filterSize, c.strides, c.pad), r)))(x)];
  };
}

/**
 * Numeric pads: wasm's built-in forward MaxPool/AvgPool corrupt the heap with them (tfjs 4.22),
 * so the grad kernel is called directly; the forward output it is given is computed on cpu.
 */
function gradientKernelDirectly(c: PoolCase, kernel: 'MaxPoolGrad' | 'AvgPoolGrad'): () => tf.Tensor[] {
  const xValues = inputValues(c);
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: 'floor' as const };
  const outShape = backend_util.computePool2DInfo(c.xShape, c.filterSize, c.strides, 1, c.pad, 'floor').outShape;
  const dyValues = randomValues(makeRng(`${c.seed}/dy`), outShape);
  return () => {
    const input = tf.tensor4d(xValues, c.xShape);
    const dy = tf.tensor(dyValues, outShape);
    const inputs: tf.NamedTensorMap =
      kernel === 'MaxPoolGrad' ? { dy, input, output: tf.zeros(outShape) } : { dy, input };
    return [tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor];
  };
}

for (const [name, pool] of [
  ['MaxPool', tf.maxPool],
  ['AvgPool', tf.avgPool],
] as const) {
  test(`${name} gradient on wasm matches cpu on 60 random shapes, ties included`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < 60; i++) {
      const seed = `${name}-${i}`;
      const c = randomCase(makeRng(seed), seed);
      const compute = typeof c.pad === 'number' ? gradientKernelDirectly(c, `${name}Grad`) : gradientViaTape(c, pool);
      failures.push(...(await compareBackends(JSON.stringify(c), compute)));
    }
    assert.deepEqual(failures, []);
  });
}

test('MaxPool 2x2 stride 2 gradient (the fast paths) matches cpu on the seed CNN shapes, with relu-like ties', async () => {
  const failures: string[] = [];
  // SIMD kernel (channels a multiple of 4; even and odd sizes) and the JS loop (other channel counts).
  for (const xShape of [
    [2, 26, 26, 8],
    [2, 11, 11, 8],
    [3, 7, 6, 4],
    [1, 2, 2, 1],
    [2, 5, 6, 3],
  ] as const) {
    const c: PoolCase = {
      seed: `fast-2x2-${xShape[1]}`,
      xShape: [...xShape],
      filterSize: [2, 2],
      strides: [2, 2],
      pad: 'valid',
      ties: true,
    };
    failures.push(...(await compareBackends(JSON.stringify(c), gradientViaTape(c, tf.maxPool))));
  }
  assert.deepEqual(failures, []);
});

test('MaxPool 2x2 stride 2 gradient routes like cpu when windows hold NaN and -Infinity', async () => {
  const failures: string[] = [];
  for (const xShape of [
    [2, 6, 6, 8],
    [2, 5, 7, 3],
  ] as const) {
    const rng = makeRng(`special-${xShape[3]}`);
    const xValues = randomValues(rng, [...xShape]).map((v) => {
      const r = rng();
      return r < 0.15 ? Number.NaN : r < 0.35 ? -Infinity : v;
    });
    // One window of -Infinity only and one of NaN only: no input gets that window's gradient.
    for (const [value, base] of [
      [-Infinity, 0],
      [Number.NaN, 2 * xShape[3]],
    ] as const) {
      for (const at of [0, xShape[3], xShape[2] * xShape[3], (xShape[2] + 1) * xShape[3]]) {
        for (let c = 0; c < xShape[3]; c++) xValues[base + at + c] = value;
      }
    }
    const outShape = [xShape[0], Math.floor(xShape[1] / 2), Math.floor(xShape[2] / 2), xShape[3]];
    const dyValues = randomValues(makeRng(`special-dy-${xShape[3]}`), outShape);
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: 'floor' };
    failures.push(
      ...(await compareBackends(`special ${xShape}`, () => [
        tf
          .engine()
          .runKernel(
            'MaxPoolGrad',
            { dy: tf.tensor(dyValues, outShape), input: tf.tensor4d(xValues, [...xShape]), output: tf.zeros(outShape) },
            attrs,
          ) as tf.Tensor,
      ])),
    );
  }
  assert.deepEqual(failures, []);
});
