import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs-core';
import { depthwiseInputGradStrategy } from '../../../../src/engine/backends/wasm/depthwise-backprop-input.ts';
import { compareBackends, intBetween, makeRng, pick, randomValues, setUpBackends, type Rng } from './parity.ts';

before(setUpBackends);

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface DepthwiseCase {
  seed: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

function randomCase(rng: Rng, seed: string, dilated: boolean): DepthwiseCase {
  const dilations: [number, number] = dilated ? [pick(rng, [1, 2]), 2] : [1, 1];
  const kh = intBetween(rng, 1, 3);
  const kw = intBetween(rng, 1, 3);
  const h = intBetween(rng, (kh - 1) * dilations[0] + 1, 10);
  const w = intBetween(rng, (kw - 1) * dilations[1] + 1, 10);
  const channels = pick(rng, [1, 3, 8, 16]);
  // tfjs only allows dilation together with stride 1.
  const strides: [number, number] = dilated ? [1, 1] : [pick(rng, [1, 2]), pick(rng, [1, 2])];
  const pad: Pad =
    pick(rng, ['same', 'valid', 'explicit'] as const) === 'explicit'
      ? [
          [0, 0],
          [intBetween(rng, 0, kh - 1), intBetween(rng, 0, kh)],
          [intBetween(rng, 0, kw - 1), intBetween(rng, 0, kw)],
          [0, 0],
        ]
      : pick(rng, ['same', 'valid'] as const);
  return {
    seed,
    xShape: [pick(rng, [1, 2, 3]), h, w, channels],
    filterShape: [kh, kw, channels, pick(rng, [1, 2, 3])],
    strides,
    dilations,
    pad,
  };
}

interface CaseData {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
  outShape: number[];
}

function caseData(c: DepthwiseCase): CaseData {
  const rng = makeRng(`${c.seed}/data`);
  const x = randomValues(rng, c.xShape);
  const w = randomValues(rng, c.filterShape);
  const outShape = tf.tidy(
    () =>
      tf.depthwiseConv2d(
        tf.zeros(c.xShape) as tf.Tensor4D,
        tf.zeros(c.filterShape) as tf.Tensor4D,
        c.strides,
        c.pad,
        'NHWC',
        c.dilations,
      ).shape,
  );
  return { x, w, dy: randomValues(rng, outShape), outShape };
}

/** Gradients through tf.grads: the path training takes (dilation 1 only, as tfjs requires). */
function gradientsViaTape(c: DepthwiseCase, d: CaseData): () => tf.Tensor[] {
  return () => {
    const r = tf.tensor(d.dy, d.outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
    )([tf.tensor4d(d.x, c.xShape), tf.tensor4d(d.w, c.filterShape)]);
    return [dx, dw];
  };
}

/** Calls both back-prop kernels directly with the case's dilations. */
function kernelsDirectly(c: DepthwiseCase, d: CaseData): () => tf.Tensor[] {
  return () => {
    const dy = tf.tensor(d.dy, d.outShape);
    const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
    const dx = tf
      .engine()
      .runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: tf.tensor4d(d.w, c.filterShape) },
        { ...common, inputShape: c.xShape },
      ) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: tf.tensor4d(d.x, c.xShape), dy },
        { ...common, filterShape: c.filterShape },
      ) as tf.Tensor;
    return [dx, dw];
  };
}

/**
 * cpu's back-prop kernels ignore dilation, so the dilated reference uses the identity
 * "dilated filter == undilated filter with zeros between taps" and reads back every d-th tap.
 */
function dilatedReference(c: DepthwiseCase, d: CaseData): () => tf.Tensor[] {
  const [kh, kw, ch, m] = c.filterShape;
  const [dh, dw] = c.dilations;
  const expandedShape: [number, number, number, number] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ch, m];
  const expanded = new Float32Array(expandedShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      expanded.set(
        d.w.subarray((i * kw + j) * ch * m, (i * kw + j + 1) * ch * m),
        (i * dh * expandedShape[1] + j * dw) * ch * m,
      );
    }
  }
  return () => {
    const r = tf.tensor(d.dy, d.outShape);
    const [dx, dwExpanded] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r)),
    )([tf.tensor4d(d.x, c.xShape), tf.tensor4d(expanded, expandedShape)]);
    const taps = tf.stridedSlice(dwExpanded, [0, 0, 0, 0], expandedShape, [dh, dw, 1, 1]);
    return [dx, taps];
  };
}

function strategyOf(c: DepthwiseCase): 'conv' | 'loop' {
  return depthwiseInputGradStrategy(
    backend_util.computeConv2DInfo(c.xShape, c.filterShape, c.strides, c.dilations, c.pad, undefined, true),
  );
}

test('depthwise input and filter gradients on wasm match cpu on 40 random shapes', async () => {
  const failures: string[] = [];
  const strategies = { conv: 0, loop: 0 };
  for (let i = 0; i < 40; i++) {
    const seed = `depthwise-${i}`;
    const c = randomCase(makeRng(seed), seed, false);
    strategies[strategyOf(c)]++;
    const d = caseData(c);
    failures.push(...(await compareBackends(JSON.stringify(c), gradientsViaTape(c, d))));
  }
  assert.deepEqual(failures, []);
  // Both input-gradient paths (XNNPACK for multiplier 1, the JS loop otherwise) must be exercised.
  assert.ok(strategies.conv >= 8 && strategies.loop >= 8, JSON.stringify(strategies));
});

test('depthwise back-prop kernels honour dilation (20 random shapes)', async () => {
  const failures: string[] = [];
  const strategies = { conv: 0, loop: 0 };
  for (let i = 0; i < 20; i++) {
    const seed = `depthwise-dilated-${i}`;
    const c = randomCase(makeRng(seed), seed, true);
    strategies[strategyOf(c)]++;
    const d = caseData(c);
    failures.push(...(await compareBackends(JSON.stringify(c), dilatedReference(c, d), kernelsDirectly(c, d))));
  }
  assert.deepEqual(failures, []);
  assert.ok(strategies.conv >= 3 && strategies.loop >= 3, JSON.stringify(strategies));
});
