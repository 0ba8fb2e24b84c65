import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { makeRng, randomValues, relativeError, RELATIVE_TOLERANCE, setUpBackends } from './parity.ts';

before(setUpBackends);

const L = tf.layers;

interface LayerCase {
  layers: () => tf.layers.Layer[];
  xShape: number[];
  /** Integer inputs in [0, vocab) instead of floats (Embedding). */
  vocab?: number;
}

const head = () => [L.flatten(), L.dense({ units: 3 })];

const CASES: Record<string, LayerCase> = {
  Dense: {
    layers: () => [L.dense({ inputShape: [6], units: 5, activation: 'relu' }), L.dense({ units: 3 })],
    xShape: [4, 6],
  },
  Conv1D: {
    layers: () => [L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 3, strides: 2 }), ...head()],
    xShape: [4, 9, 3],
  },
  Conv2D: {
    layers: () => [
      L.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      ...head(),
    ],
    xShape: [4, 9, 9, 3],
  },
  DepthwiseConv2D: {
    layers: () => [L.depthwiseConv2d({ inputShape: [8, 8, 3], kernelSize: 3, depthMultiplier: 2 }), ...head()],
    xShape: [4, 8, 8, 3],
  },
  SeparableConv2D: {
    layers: () => [L.separableConv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same' }), ...head()],
    xShape: [4, 8, 8, 3],
  },
  Conv2DTranspose: {
    layers: () => [
      L.conv2dTranspose({ inputShape: [4, 4, 3], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
      ...head(),
    ],
    xShape: [4, 4, 4, 3],
  },
  MaxPooling2D: {
    layers: () => [
      L.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      ...head(),
    ],
    xShape: [4, 8, 8, 3],
  },
  AveragePooling2D: {
    layers: () => [
      L.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 1 }),
      L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      ...head(),
    ],
    xShape: [4, 8, 8, 3],
  },
  GlobalAveragePooling2D: {
    layers: () => [
      L.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }),
      L.globalAveragePooling2d({}),
      L.dense({ units: 3 }),
    ],
    xShape: [4, 8, 8, 3],
  },
  GlobalMaxPooling2D: {
    layers: () => [
      L.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }),
      L.globalMaxPooling2d({}),
      L.dense({ units: 3 }),
    ],
    xShape: [4, 8, 8, 3],
  },
  // No conv bias: before BatchNormalization its gradient is ~0 and only float noise would be compared.
  BatchNormalization: {
    layers: () => [
      L.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, useBias: false }),
      L.batchNormalization(),
      ...head(),
    ],
    xShape: [4, 8, 8, 3],
  },
  LayerNormalization: {
    layers: () => [L.dense({ inputShape: [6], units: 5 }), L.layerNormalization(), L.dense({ units: 3 })],
    xShape: [4, 6],
  },
  Embedding: {
    layers: () => [L.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }), ...head()],
    xShape: [4, 5],
    vocab: 10,
  },
  LSTM: { layers: () => [L.lstm({ inputShape: [5, 3], units: 4 }), L.dense({ units: 3 })], xShape: [4, 5, 3] },
  GRU: { layers: () => [L.gru({ inputShape: [5, 3], units: 4 }), L.dense({ units: 3 })], xShape: [4, 5, 3] },
  Dropout: {
    layers: () => [L.dense({ inputShape: [6], units: 5 }), L.dropout({ rate: 0.5 }), L.dense({ units: 3 })],
    xShape: [4, 6],
  },
  SpatialDropout1D: {
    layers: () => [
      L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 3 }),
      L.spatialDropout1d({ rate: 0.5 }),
      ...head(),
    ],
    xShape: [4, 9, 3],
  },
};

function makeModel(c: LayerCase): tf.Sequential {
  const model = tf.sequential({ layers: c.layers() });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  return model;
}

/**
 * Two SGD steps from the given weights; returns [loss1, loss2, ...weights after]. Math.random is
 * seeded because dropout masks come from tfjs-core's JS generator seeded by it, on any backend.
 */
async function trainTwoSteps(
  backend: 'cpu' | 'wasm',
  c: LayerCase,
  weights: Float32Array[],
  x: Float32Array,
  y: Float32Array,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = makeModel(c);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const xs = c.vocab
    ? tf.tensor(
        Array.from(x, (v) => Math.abs(Math.floor(v * 7)) % (c.vocab as number)),
        c.xShape,
      )
    : tf.tensor(x, c.xShape);
  const ys = tf.tensor2d(y, [c.xShape[0], 3]);
  const original = Math.random;
  Math.random = seedrandom('layer-training');
  try {
    const losses: number[] = [];
    for (let step = 0; step < 2; step++) losses.push(Number(await model.trainOnBatch(xs, ys)));
    return [Float32Array.from(losses), ...model.getWeights().map((w) => w.dataSync() as Float32Array)];
  } finally {
    Math.random = original;
    tf.dispose([xs, ys]);
    model.dispose();
  }
}

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: two training steps on wasm match cpu (loss and every weight)`, async () => {
    await tf.setBackend('cpu');
    const initial = makeModel(c);
    const weights = initial.getWeights().map((w) => w.dataSync() as Float32Array);
    initial.dispose();
    const rng = makeRng(`layer-${name}`);
    const x = randomValues(rng, c.xShape);
    const y = randomValues(rng, [c.xShape[0], 3]);
    const expected = await trainTwoSteps('cpu', c, weights, x, y);
    const actual = await trainTwoSteps('wasm', c, weights, x, y);
    const errors = expected.map((ref, i) => relativeError(actual[i], ref));
    assert.ok(
      errors.every((e) => e <= RELATIVE_TOLERANCE),
      `${name}: relative errors per output ${errors.map((e) => e.toExponential(1))}`,
    );
  });
}

test('training steps on wasm leave no buffers behind (every kernel frees its intermediates)', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [10, 10, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      L.depthwiseConv2d({ kernelSize: 2 }),
      L.maxPooling2d({ poolSize: 2, padding: 'same' }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const x = tf.randomNormal([6, 10, 10, 2]);
  const y = tf.randomNormal([6, 3]);
  await model.trainOnBatch(x, y);
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  assert.equal(tf.engine().backend.numDataIds(), buffers);
  tf.dispose([x, y]);
  model.dispose();
});
