import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, LAYER_TYPES, validateModelSpec, type ModelSummary } from '../../../src/engine/model/index.ts';

before(async () => {
  await tf.setBackend('cpu');
});

function summaryOf(spec: unknown): ModelSummary {
  const result = validateModelSpec(spec);
  assert.ok(result.ok, `expected a valid spec, got ${JSON.stringify(!result.ok && result.errors, null, 2)}`);
  return result.summary;
}

/**
 * Builds the spec, checks every layer's predicted output shape and parameter count against what tfjs actually built,
 * and runs a forward pass on random data.
 */
function buildAndRun(spec: object, inputs: () => tf.Tensor[]): ModelSummary {
  const summary = summaryOf(spec);
  const model = buildModel(spec, { seed: 11 });
  for (const row of summary.layers) {
    if (row.type === 'InputLayer' || row.sharesWeightsWith) continue;
    const layer = model.getLayer(row.name);
    assert.equal(layer.countParams(), row.params, `params of ${row.name}`);
    assert.deepEqual(layer.outputShape, [null, ...row.outputShape], `output shape of ${row.name}`);
  }
  assert.equal(model.countParams(), summary.totalParams);
  tf.tidy(() => {
    const out = model.predict(inputs());
    const outs = Array.isArray(out) ? out : [out];
    outs.forEach((t, i) => {
      assert.deepEqual(t.shape, [2, ...summary.outputs[i].shape]);
      assert.ok(t.dataSync().every(Number.isFinite), `finite output ${i}`);
    });
  });
  model.dispose();
  return summary;
}

const imageSpec = {
  type: 'sequential',
  layers: [
    { type: 'InputLayer', shape: [9, 9, 3] },
    { type: 'Rescaling', scale: 1 / 127.5, offset: -1 },
    { type: 'Normalization', axis: -1, mean: [0.1, 0.2, 0.3], variance: [1, 4, 9] },
    {
      type: 'ZeroPadding2D',
      padding: [
        [1, 2],
        [0, 1],
      ],
    },
    { type: 'Conv2D', filters: 6, kernel_size: [3, 2], strides: 2, padding: 'same', use_bias: false },
    { type: 'BatchNormalization', momentum: 0.9 },
    { type: 'ReLU', max_value: 6 },
    { type: 'DepthwiseConv2D', kernel_size: 3, depth_multiplier: 2, padding: 'same' },
    { type: 'SeparableConv2D', filters: 5, kernel_size: 3, dilation_rate: 2, padding: 'same' },
    { type: 'Conv2DTranspose', filters: 4, kernel_size: 3, strides: 2 },
    { type: 'SpatialDropout2D', rate: 0.3 },
    { type: 'MaxPooling2D', pool_size: 3, strides: 2, padding: 'same' },
    { type: 'AveragePooling2D', pool_size: [2, 2] },
    { type: 'LeakyReLU', alpha: 0.1 },
    { type: 'Conv2D', filters: 3, kernel_size: 1, activation: 'swish', dilation_rate: 1 },
    { type: 'GlobalAveragePooling2D' },
  ],
};

const globalMaxSpec = { type: 'sequential', layers: [{ type: 'GlobalMaxPooling2D', input_shape: [3, 3, 2] }] };

test('image layers: shapes and params agree with tfjs, forward pass runs', () => {
  const summary = buildAndRun(imageSpec, () => [tf.randomUniform([2, 9, 9, 3], 0, 255)]);
  assert.deepEqual(summary.layers.find((l) => l.type === 'ZeroPadding2D')?.outputShape, [12, 10, 3]);
  assert.deepEqual(summary.layers.find((l) => l.type === 'Conv2DTranspose')?.outputShape, [13, 11, 4]);
  buildAndRun(globalMaxSpec, () => [tf.randomNormal([2, 3, 3, 2])]);
});

const sequenceSpec = {
  type: 'functional',
  inputs: [{ name: 'tokens', shape: [8], dtype: 'int32' }],
  layers: [
    { name: 'embed', type: 'Embedding', input_dim: 50, output_dim: 6, mask_zero: false, inputs: 'tokens' },
    { name: 'conv', type: 'Conv1D', filters: 5, kernel_size: 3, padding: 'same', dilation_rate: 2, inputs: 'embed' },
    { name: 'pool', type: 'MaxPooling1D', pool_size: 2, inputs: 'conv' },
    { name: 'avg', type: 'AveragePooling1D', pool_size: 1, inputs: 'pool' },
    { name: 'lstm', type: 'LSTM', units: 4, return_sequences: true, inputs: 'avg' },
    {
      name: 'bi',
      type: 'Bidirectional',
      layer: { type: 'GRU', units: 3, return_sequences: true },
      merge_mode: 'concat',
      inputs: 'lstm',
    },
    { name: 'norm', type: 'LayerNormalization', inputs: 'bi' },
    {
      name: 'bi_sum',
      type: 'Bidirectional',
      layer: { type: 'LSTM', units: 2, return_sequences: true },
      mergeMode: 'sum',
      inputs: 'norm',
    },
    { name: 'gru', type: 'GRU', units: 3, return_sequences: true, reset_after: false, inputs: 'bi_sum' },
    { name: 'gap', type: 'GlobalAveragePooling1D', inputs: 'gru' },
    { name: 'gmp', type: 'GlobalMaxPooling1D', inputs: 'gru' },
    { name: 'both', type: 'Concatenate', inputs: ['gap', 'gmp'] },
  ],
  outputs: ['both'],
};

test('sequence layers: Embedding, Conv1D, pooling 1-D, LSTM, GRU, Bidirectional, LayerNormalization', () => {
  const summary = buildAndRun(sequenceSpec, () => [
    tf.tensor2d(
      [...Array(16).keys()].map((i) => i % 50),
      [2, 8],
      'int32',
    ),
  ]);
  const row = (name: string) => summary.layers.find((l) => l.name === name);
  // Keras formulas: LSTM 4*(in*u + u*u + u); GRU 3*(in*u + u*u + 2u) with reset_after (the default), 3*(in*u + u*u + u)
  // without; Bidirectional doubles.
  assert.equal(row('lstm')?.params, 4 * (5 * 4 + 4 * 4 + 4));
  assert.equal(row('bi')?.params, 2 * 3 * (4 * 3 + 3 * 3 + 2 * 3));
  assert.equal(row('gru')?.params, 3 * (2 * 3 + 3 * 3 + 3));
  assert.deepEqual(row('bi')?.outputShape, [4, 6]);
  assert.deepEqual(row('bi_sum')?.outputShape, [4, 2]);
});

const mergeSpec = {
  type: 'functional',
  inputs: [
    { name: 'a', shape: [4, 3] },
    { name: 'b', shape: [4, 3] },
  ],
  layers: [
    { name: 'add', type: 'Add', inputs: ['a', 'b'] },
    { name: 'mul', type: 'Multiply', inputs: ['a', 'b'] },
    { name: 'avg', type: 'Average', inputs: ['add', 'mul'] },
    { name: 'max', type: 'Maximum', inputs: ['avg', 'a'] },
    { name: 'min', type: 'Minimum', inputs: ['max', 'b', 'a'] },
    { name: 'cat', type: 'Concatenate', axis: 1, inputs: ['min', 'a'] },
    { name: 'act', type: 'Activation', activation: 'tanh', inputs: 'cat' },
    { name: 'kinked', type: 'ReLU', negative_slope: 0.1, threshold: 0.2, max_value: 3, inputs: 'act' },
    { name: 'reshape', type: 'Reshape', target_shape: [-1, 6], inputs: 'kinked' },
    { name: 'dense', type: 'Dense', units: 5, inputs: 'reshape' },
    { name: 'drop', type: 'Dropout', rate: 0.1, inputs: 'dense' },
    { name: 'flat', type: 'Flatten', inputs: 'drop' },
    { name: 'probs', type: 'Softmax', inputs: 'flat' },
  ],
  outputs: ['probs', 'cat'],
};

test('merge and core layers: Add, Multiply, Average, Maximum, Minimum, Concatenate, Reshape, Flatten, Softmax', () => {
  const summary = buildAndRun(mergeSpec, () => [tf.randomNormal([2, 4, 3]), tf.randomNormal([2, 4, 3])]);
  const row = (name: string) => summary.layers.find((l) => l.name === name);
  assert.deepEqual(row('cat')?.outputShape, [8, 3]);
  assert.deepEqual(row('reshape')?.outputShape, [4, 6]);
  assert.deepEqual(row('flat')?.outputShape, [20]);
});

test('every supported layer type is exercised by the tests above', () => {
  const covered = new Set(
    [imageSpec, globalMaxSpec, sequenceSpec, mergeSpec].flatMap((spec) => summaryOf(spec).layers.map((l) => l.type)),
  );
  assert.ok(covered.has('InputLayer'));
  const missing = LAYER_TYPES.filter((t) => !covered.has(t));
  assert.deepEqual(missing, []);
});

test('Normalization with given statistics computes (x - mean) / sqrt(variance), per axis as Keras broadcasts them', () => {
  const spec = {
    type: 'sequential',
    layers: [
      {
        type: 'Normalization',
        axis: [1, 2],
        mean: [
          [1, 2, 3],
          [4, 5, 6],
        ],
        variance: [
          [1, 4, 9],
          [16, 25, 36],
        ],
        input_shape: [2, 3],
      },
    ],
  };
  const model = buildModel(spec, { seed: 1 });
  const x = tf.tensor([
    [
      [1, 4, 9],
      [8, 15, 24],
    ],
  ]);
  const y = model.predict(x) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [0, 1, 2, 1, 2, 3]);
  tf.dispose([x, y]);
  model.dispose();
  const refused = validateModelSpec({
    type: 'sequential',
    layers: [{ type: 'Normalization', mean: [1, 2], variance: [1, 1], input_shape: [4, 3] }],
  });
  assert.ok(!refused.ok);
  assert.match(refused.errors[0]!.message, /mean has 2 values but the input \[4, 3\] needs 3 over axis -1/);
  assert.equal(refused.errors[0]!.path, 'model.layers[0].mean');
});

test('GRU with reset_after (the Keras default) computes what Keras computes', () => {
  const units = 2;
  const model = buildModel({
    type: 'sequential',
    layers: [{ type: 'GRU', units, return_sequences: true, input_shape: [2, 3] }],
  });
  // Deterministic weights: kernel [3, 6], recurrent [2, 6], bias [2, 6] (input bias row, recurrent bias row).
  const fill = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k) / 2);
  const kernel = fill(18, 1.3);
  const recurrent = fill(12, 0.7);
  const bias = fill(12, 2.1);
  model.setWeights([tf.tensor2d(kernel, [3, 6]), tf.tensor2d(recurrent, [2, 6]), tf.tensor2d(bias, [2, 6])]);
  const xs = [
    [0.5, -1, 2],
    [1, 0.25, -0.5],
  ];

  // Reference: Keras GRUCell.call with reset_after=True.
  const dot = (v: number[], m: number[], cols: number) =>
    Array.from({ length: cols }, (_, j) => v.reduce((s, vi, i) => s + vi * m[i * cols + j], 0));
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  let h = [0, 0];
  const expected: number[][] = [];
  for (const x of xs) {
    const mx = dot(x, kernel, 6).map((v, j) => v + bias[j]);
    const mi = dot(h, recurrent, 6).map((v, j) => v + bias[6 + j]);
    const z = [0, 1].map((j) => sigmoid(mx[j] + mi[j]));
    const r = [0, 1].map((j) => sigmoid(mx[units + j] + mi[units + j]));
    const hh = [0, 1].map((j) => Math.tanh(mx[2 * units + j] + r[j] * mi[2 * units + j]));
    h = [0, 1].map((j) => z[j] * h[j] + (1 - z[j]) * hh[j]);
    expected.push(h);
  }
  const y = (model.predict(tf.tensor3d([xs])) as tf.Tensor).arraySync() as number[][][];
  y[0].flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-5, `${v} vs ${expected.flat()[i]}`));
  model.dispose();
});

test('ReLU with threshold and negative slope follows Keras', () => {
  const spec = {
    type: 'sequential',
    layers: [{ type: 'ReLU', negative_slope: 0.1, threshold: 1, max_value: 6, input_shape: [5] }],
  };
  const model = buildModel(spec);
  const y = model.predict(tf.tensor2d([[-2, -0.5, 0.5, 2, 8]])) as tf.Tensor;
  const expected = [-0.3, -0.15, -0.05, 2, 6];
  (y.arraySync() as number[][])[0].forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) < 1e-6, `${v} vs ${expected[i]}`),
  );
  model.dispose();
});

test('SpatialDropout2D drops whole channels in training and nothing at inference', () => {
  const model = buildModel({
    type: 'sequential',
    layers: [{ type: 'SpatialDropout2D', rate: 0.5, input_shape: [4, 4, 16] }],
  });
  const layer = model.getLayer('spatial_dropout2d');
  const x = tf.ones([1, 4, 4, 16]);
  const trained = layer.apply(x, { training: true }) as tf.Tensor;
  const perChannel = (trained.reshape([16, 16]).transpose().arraySync() as number[][]).map((c) => [...new Set(c)]);
  for (const values of perChannel) {
    assert.equal(values.length, 1, 'a channel is either kept or dropped as a whole');
    assert.ok(values[0] === 0 || values[0] === 2, 'kept channels are scaled by 1/(1-rate)');
  }
  assert.ok(perChannel.some(([v]) => v === 0) && perChannel.some(([v]) => v === 2), 'some channels dropped, some kept');
  const inferred = layer.apply(x) as tf.Tensor;
  assert.deepEqual(inferred.dataSync(), x.dataSync());
  tf.dispose([x, trained, inferred]);
  model.dispose();
});

test('models with Kiln custom layers save and reload with tf.loadLayersModel', async () => {
  const spec = {
    type: 'sequential',
    layers: [
      { type: 'Conv2D', filters: 4, kernel_size: 3, input_shape: [6, 6, 2] },
      { type: 'SpatialDropout2D', rate: 0.2 },
      { type: 'ReLU', threshold: 0.1, negative_slope: 0.05 },
      { type: 'Rescaling', scale: 2 },
      { type: 'Reshape', target_shape: [-1, 4] },
      { type: 'Bidirectional', layer: { type: 'GRU', units: 3, return_sequences: true, kernel_regularizer: 'l2' } },
      { type: 'GRU', units: 2, dropout: 0.1 },
    ],
  };
  const model = buildModel(spec, { seed: 5 });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
  const x = tf.randomNormal([2, 6, 6, 2]);
  const a = model.predict(x) as tf.Tensor;
  const b = reloaded.predict(x) as tf.Tensor;
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([x, a, b]);
  model.dispose();
  reloaded.dispose();
});

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

test('same seed gives identical initial weights, another seed different ones', () => {
  const spec = {
    type: 'sequential',
    layers: [
      { type: 'Embedding', input_dim: 20, output_dim: 4, input_length: 5 },
      { type: 'Bidirectional', layer: { type: 'LSTM', units: 3, return_sequences: true } },
      { type: 'GRU', units: 2 },
      { type: 'Dense', units: 3, kernel_initializer: 'he_normal' },
      {
        type: 'Dense',
        units: 2,
        kernel_initializer: {
          class_name: 'VarianceScaling',
          config: { scale: 2, mode: 'fan_out', distribution: 'truncated_normal', seed: null },
        },
      },
    ],
  };
  const [a, b, c] = [42, 42, 43].map((seed) => buildModel(spec, { seed }));
  const [wa, wb, wc] = [a, b, c].map(weightsOf);
  assert.deepEqual(wa, wb);
  // Every randomly initialized weight changes with the seed (zero biases stay zero).
  const randomIndexes = wa.map((w, i) => (w.some((v) => v !== 0 && v !== 1) ? i : -1)).filter((i) => i >= 0);
  assert.ok(randomIndexes.length >= 6);
  for (const i of randomIndexes)
    assert.notDeepEqual(wa[i], wc[i], `weight ${a.weights[i].name} should change with the seed`);
  // Two layers of the same shape get different weights from one model seed.
  const twin = buildModel(
    {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 4, input_shape: [4] },
        { type: 'Dense', units: 4 },
      ],
    },
    { seed: 1 },
  );
  const [k1, , k2] = weightsOf(twin);
  assert.notDeepEqual(k1, k2);
  [a, b, c, twin].forEach((m) => m.dispose());
});
