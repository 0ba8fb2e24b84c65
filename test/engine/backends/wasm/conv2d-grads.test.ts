import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs-core';
import { inputGradStrategy } from '../../../../src/engine/backends/wasm/conv2d-backprop-input.ts';
import { simdFilterGradApplies } from '../../../../src/engine/backends/wasm/filter-grad-simd.ts';
import { simdCol2imApplies } from '../../../../src/engine/backends/wasm/input-grad-by-col2im.ts';
import { compareBackends, intBetween, makeRng, pick, randomValues, setUpBackends, type Rng } from './parity.ts';

before(setUpBackends);

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  seed: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

function randomCase(rng: Rng, seed: string): ConvCase {
  const batch = pick(rng, [1, 1, 2, 3]);
  const kh = intBetween(rng, 1, 4);
  const kw = intBetween(rng, 1, 4);
  const h = intBetween(rng, kh, 11);
  const w = intBetween(rng, kw, 11);
  const inChannels = pick(rng, [1, 2, 3, 4, 8, 16, 17]);
  const outChannels = pick(rng, [1, 4, 8, 9, 16, 24]);
  const strides: [number, number] = [pick(rng, [1, 2]), pick(rng, [1, 2])];
  const pad: Pad =
    pick(rng, ['same', 'valid', 'explicit'] as const) === 'explicit'
      ? [
          [0, 0],
          [intBetween(rng, 0, kh - 1), intBetween(rng, 0, kh)],
          [intBetween(rng, 0, kw - 1), intBetween(rng, 0, kw)],
          [0, 0],
        ]
      : pick(rng, ['same', 'valid'] as const);
  return { seed, xShape: [batch, h, w, inChannels], filterShape: [kh, kw, inChannels, outChannels], strides, pad };
}

/** Both gradients of sum(conv2d(x, w) * r), so dy = r is an arbitrary tensor. */
function convGradients(c: ConvCase): () => tf.Tensor[] {
  const rng = makeRng(`${c.seed}/data`);
  const xValues = randomValues(rng, c.xShape);
  const wValues = randomValues(rng, c.filterShape);
  return () => {
    const x = tf.tensor4d(xValues, c.xShape);
    const w = tf.tensor4d(wValues, c.filterShape);
    const outShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const r = tf.tensor(randomValues(makeRng(`${c.seed}/dy`), outShape), outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
    )([x, w]);
    return [dx, dw];
  };
}

test('Conv2D input and filter gradients on wasm match cpu on 60 random shapes', async () => {
  const failures: string[] = [];
  const strategies = { conv: 0, col2im: 0 };
  const filterPaths = { simd: 0, im2col: 0 };
  let simdScatters = 0;
  for (let i = 0; i < 60; i++) {
    const seed = `conv2d-${i}`;
    const c = randomCase(makeRng(seed), seed);
    const info = backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, 1, c.pad);
    const strategy = inputGradStrategy(info);
    strategies[strategy]++;
    if (strategy === 'col2im' && simdCol2imApplies(info)) simdScatters++;
    filterPaths[simdFilterGradApplies(info) ? 'simd' : 'im2col']++;
    failures.push(...(await compareBackends(JSON.stringify(c), convGradients(c))));
  }
  assert.deepEqual(failures, []);
  // Both input-gradient formulations must have been exercised by the random shapes.
  assert.ok(strategies.conv >= 10 && strategies.col2im >= 10, JSON.stringify(strategies));
  // Of the col2im ones, some scatter with the SIMD kernel (channels a multiple of 4), some in JS.
  assert.ok(
    simdScatters >= 3 && strategies.col2im - simdScatters >= 3,
    `${simdScatters} SIMD scatters of ${strategies.col2im}`,
  );
  // And both filter-gradient paths: Kiln's SIMD kernel (out channels a multiple of 8) and im2col.
  assert.ok(filterPaths.simd >= 10 && filterPaths.im2col >= 10, JSON.stringify(filterPaths));
});

test('Conv2D gradients match cpu on the seed MNIST CNN shapes (batch 4)', async () => {
  const shapes: Array<[ConvCase['xShape'], ConvCase['filterShape']]> = [
    [
      [4, 28, 28, 1],
      [3, 3, 1, 32],
    ],
    [
      [4, 13, 13, 32],
      [3, 3, 32, 64],
    ],
    [
      [4, 5, 5, 64],
      [3, 3, 64, 64],
    ],
  ];
  const failures: string[] = [];
  for (const [xShape, filterShape] of shapes) {
    const c: ConvCase = { seed: `mnist-${xShape[1]}`, xShape, filterShape, strides: [1, 1], pad: 'valid' };
    failures.push(...(await compareBackends(JSON.stringify(c), convGradients(c))));
  }
  assert.deepEqual(failures, []);
});

test('Conv2D back-prop kernels accept NCHW when called directly', async () => {
  const failures: string[] = [];
  for (let i = 0; i < 8; i++) {
    const seed = `conv2d-nchw-${i}`;
    const c = randomCase(makeRng(seed), seed);
    const [n, h, w, ci] = c.xShape;
    const xShape: [number, number, number, number] = [n, ci, h, w];
    const rng = makeRng(`${seed}/data`);
    const xValues = randomValues(rng, xShape);
    const wValues = randomValues(rng, c.filterShape);
    const attrs = {
      strides: c.strides,
      pad: c.pad === 'same' || c.pad === 'valid' ? c.pad : 'valid',
      dataFormat: 'NCHW',
    };
    const { outHeight, outWidth, outChannels } = backend_util.computeConv2DInfo(
      xShape,
      c.filterShape,
      c.strides,
      1,
      attrs.pad,
      undefined,
      false,
      'channelsFirst',
    );
    const dyShape = [n, outChannels, outHeight, outWidth];
    const dyValues = randomValues(rng, dyShape);
    failures.push(
      ...(await compareBackends(JSON.stringify({ ...c, xShape, attrs }), () => {
        const dy = tf.tensor(dyValues, dyShape);
        return [
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor(xValues, xShape), dy },
              { ...attrs, filterShape: c.filterShape },
            ) as tf.Tensor,
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy, filter: tf.tensor(wValues, c.filterShape) },
              { ...attrs, inputShape: xShape },
            ) as tf.Tensor,
        ];
      })),
    );
  }
  assert.deepEqual(failures, []);
});

test('Conv2D filter gradient is exact when a large batch is processed in chunks', async () => {
  // 108 patch rows x 39,204 pixels per sample exceeds the per-chunk patch budget: one sample per chunk.
  const c: ConvCase = {
    seed: 'conv2d-chunked',
    xShape: [3, 200, 200, 12],
    filterShape: [3, 3, 12, 2],
    strides: [1, 1],
    pad: 'valid',
  };
  assert.deepEqual(await compareBackends(JSON.stringify(c), convGradients(c)), []);
});
