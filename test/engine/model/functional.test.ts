import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, validateModelSpec, type ModelSummary } from '../../../src/engine/model/index.ts';
import { miniResNet, productModel } from './fixtures.ts';

before(async () => {
  await tf.setBackend('cpu');
});

function summaryOf(spec: unknown): ModelSummary {
  const result = validateModelSpec(spec);
  assert.ok(result.ok, `expected a valid spec, got ${JSON.stringify(!result.ok && result.errors, null, 2)}`);
  return result.summary;
}

// Keras parameter formulas, written out independently of the implementation.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const bn = (c: number) => ({ trainable: 2 * c, frozen: 2 * c });

test('MiniResNet: parameter count matches the Keras formula and the built tfjs model', () => {
  const blocks = [
    { cin: 64, f: 64, shortcut: false },
    { cin: 64, f: 128, shortcut: true },
    { cin: 128, f: 256, shortcut: true },
  ];
  let trainable = conv(7, 3, 64) + bn(64).trainable;
  let frozen = bn(64).frozen;
  for (const { cin, f, shortcut } of blocks) {
    trainable += conv(3, cin, f) + conv(3, f, f) + 2 * bn(f).trainable + (shortcut ? conv(1, cin, f) : 0);
    frozen += 2 * bn(f).frozen;
  }
  trainable += 256 * 10 + 10;

  const summary = summaryOf(miniResNet());
  assert.equal(summary.trainableParams, trainable);
  assert.equal(summary.nonTrainableParams, frozen);
  assert.equal(summary.totalParams, 1_237_770);
  const shape = (name: string) => summary.layers.find((l) => l.name === name)?.outputShape;
  assert.deepEqual(shape('stem_conv'), [16, 16, 64]);
  assert.deepEqual(shape('stem_pool'), [8, 8, 64]);
  assert.deepEqual(shape('block2_add'), [4, 4, 128]);
  assert.deepEqual(shape('block3_out'), [2, 2, 256]);
  assert.deepEqual(summary.outputs, [{ name: 'logits', shape: [10] }]);

  const model = buildModel(miniResNet(), { seed: 7 });
  assert.equal(model.countParams(), summary.totalParams);
  const trainableBuilt = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((a: number, b) => a * (b as number), 1),
    0,
  );
  assert.equal(trainableBuilt, trainable);
  const out = tf.tidy(() => model.predict(tf.randomUniform([2, 32, 32, 3])) as tf.Tensor);
  assert.deepEqual(out.shape, [2, 10]);
  out.dispose();
  model.dispose();
});

test('image + text model: two inputs, two outputs of the right shapes', () => {
  const summary = summaryOf(productModel);
  assert.deepEqual(summary.inputs, [
    { name: 'image', shape: [32, 32, 3] },
    { name: 'text', shape: [12] },
  ]);
  assert.deepEqual(summary.outputs, [
    { name: 'category', shape: [5] },
    { name: 'price', shape: [1] },
  ]);
  assert.deepEqual(summary.layers.find((l) => l.name === 'joined')?.inputs, ['img_pool', 'tok_lstm']);

  const model = buildModel(productModel, { seed: 1 });
  assert.equal(model.countParams(), summary.totalParams);
  const image = tf.randomUniform([3, 32, 32, 3], 0, 255);
  const text = tf.tensor2d(
    [...Array(36).keys()].map((i) => (i * 37) % 500),
    [3, 12],
    'int32',
  );
  const [category, price] = model.predict([image, text]) as tf.Tensor[];
  assert.deepEqual(category.shape, [3, 5]);
  assert.deepEqual(price.shape, [3, 1]);
  // Softmax rows sum to one.
  for (const s of category.sum(1).arraySync() as number[]) assert.ok(Math.abs(s - 1) < 1e-5);
  tf.dispose([image, text, category, price]);
  model.dispose();
});

const siamese = {
  type: 'functional',
  name: 'siamese',
  inputs: [
    { name: 'left', shape: [6] },
    { name: 'right', shape: [6] },
  ],
  layers: [
    { name: 'encode_left', type: 'Dense', units: 4, inputs: 'left' },
    { name: 'encode_right', shares: 'encode_left', inputs: 'right' },
    { name: 'diff', type: 'Concatenate', inputs: ['encode_left', 'encode_right'] },
    { name: 'score', type: 'Dense', units: 1, activation: 'sigmoid', inputs: 'diff' },
  ],
  outputs: 'score',
};

test('shared layer: one set of weights, applied to both inputs', () => {
  const summary = summaryOf(siamese);
  const shared = summary.layers.find((l) => l.name === 'encode_right');
  assert.deepEqual(shared, {
    name: 'encode_right',
    type: 'Dense',
    outputShape: [4],
    params: 0,
    inputs: ['right'],
    sharesWeightsWith: 'encode_left',
  });
  assert.equal(summary.totalParams, 6 * 4 + 4 + 8 + 1);

  const model = buildModel(siamese, { seed: 3 });
  assert.equal(model.countParams(), summary.totalParams);
  // Same vector on both sides → both halves of the concatenation are equal.
  const x = tf.tensor2d([[1, 2, 3, 4, 5, 6]]);
  const encoder = tf.model({ inputs: model.inputs, outputs: model.getLayer('diff').output as tf.SymbolicTensor });
  const [row] = (encoder.predict([x, x]) as tf.Tensor).arraySync() as number[][];
  assert.deepEqual(row.slice(0, 4), row.slice(4));
  x.dispose();
  model.dispose();
});

test('Keras 2 functional to_json with a shared layer and a residual Add', () => {
  const dense = (name: string, units: number) => ({
    class_name: 'Dense',
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      units,
      activation: 'linear',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    },
    name,
  });
  const doc = {
    class_name: 'Functional',
    config: {
      name: 'model',
      layers: [
        {
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 8], dtype: 'float32', sparse: false, ragged: false, name: 'a' },
          name: 'a',
          inbound_nodes: [],
        },
        {
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 8], dtype: 'float32', sparse: false, ragged: false, name: 'b' },
          name: 'b',
          inbound_nodes: [],
        },
        { ...dense('shared', 8), inbound_nodes: [[['a', 0, 0, {}]], [['b', 0, 0, {}]]] },
        {
          class_name: 'Add',
          config: { name: 'add', trainable: true, dtype: 'float32' },
          name: 'add',
          inbound_nodes: [
            [
              ['shared', 0, 0, {}],
              ['shared', 1, 0, {}],
              ['a', 0, 0, {}],
            ],
          ],
        },
        { ...dense('head', 2), inbound_nodes: [[['add', 0, 0, {}]]] },
      ],
      input_layers: [
        ['a', 0, 0],
        ['b', 0, 0],
      ],
      output_layers: [['head', 0, 0]],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  };
  const summary = summaryOf({ type: 'keras', config: doc });
  assert.equal(summary.totalParams, 8 * 8 + 8 + 8 * 2 + 2);
  assert.deepEqual(summary.layers.find((l) => l.name === 'add')?.inputs, ['shared', 'shared@1', 'a']);
  const model = buildModel({ type: 'keras', config: doc });
  const out = model.predict([tf.ones([1, 8]), tf.ones([1, 8])]) as tf.Tensor;
  assert.deepEqual(out.shape, [1, 2]);
  out.dispose();
  model.dispose();
});

test('Keras details: BatchNormalization axis list, LeakyReLU alpha, nested Bidirectional config, frozen layers, flat Keras 3 refs', () => {
  const k3 = (className: string, name: string, config: Record<string, unknown>, from: string) => ({
    module: 'keras.layers',
    class_name: className,
    config: {
      name,
      trainable: true,
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      ...config,
    },
    registered_name: null,
    name,
    inbound_nodes: [
      {
        args: [
          {
            class_name: '__keras_tensor__',
            config: { shape: [null, 5, 3], dtype: 'float32', keras_history: [from, 0, 0] },
          },
        ],
        kwargs: { mask: null },
      },
    ],
  });
  const lstm = {
    module: 'keras.layers',
    class_name: 'LSTM',
    registered_name: null,
    config: {
      name: 'forward_lstm',
      trainable: true,
      dtype: 'float32',
      return_sequences: true,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
      zero_output_for_mask: true,
      units: 4,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      kernel_initializer: {
        module: 'keras.initializers',
        class_name: 'GlorotUniform',
        config: { seed: null },
        registered_name: null,
      },
      recurrent_initializer: {
        module: 'keras.initializers',
        class_name: 'Orthogonal',
        config: { seed: null, gain: 1.0 },
        registered_name: null,
      },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      unit_forget_bias: true,
      kernel_regularizer: null,
      recurrent_regularizer: null,
      bias_regularizer: { class_name: 'L2', config: { l2: 0.01 } },
      activity_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: 0.0,
      recurrent_dropout: 0.0,
      seed: null,
    },
  };
  const backwardLstm = { ...lstm, config: { ...lstm.config, name: 'backward_lstm', go_backwards: true } };
  const doc = {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: 'seq_model',
      trainable: true,
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: { batch_shape: [null, 5, 3], dtype: 'float32', sparse: false, ragged: false, name: 'seq' },
          registered_name: null,
          name: 'seq',
          inbound_nodes: [],
        },
        k3(
          'BatchNormalization',
          'bn',
          {
            axis: [2],
            momentum: 0.99,
            epsilon: 0.001,
            center: true,
            scale: false,
            beta_initializer: { class_name: 'Zeros', config: {} },
            moving_mean_initializer: { class_name: 'Zeros', config: {} },
            moving_variance_initializer: { class_name: 'Ones', config: {} },
            beta_regularizer: null,
            gamma_regularizer: null,
            beta_constraint: null,
            gamma_constraint: null,
            synchronized: false,
          },
          'seq',
        ),
        k3('LeakyReLU', 'leaky', { negative_slope: 0.2 }, 'bn'),
        {
          ...k3('Bidirectional', 'bi', { merge_mode: 'concat', layer: lstm, backward_layer: backwardLstm }, 'leaky'),
          config: {
            ...k3('Bidirectional', 'bi', { merge_mode: 'concat', layer: lstm, backward_layer: backwardLstm }, 'leaky')
              .config,
            trainable: false,
          },
        },
        k3('GlobalAveragePooling1D', 'gap', { data_format: 'channels_last', keepdims: false }, 'bi'),
      ],
      input_layers: ['seq', 0, 0],
      output_layers: ['gap', 0, 0],
    },
    registered_name: 'Functional',
  };
  const summary = summaryOf({ type: 'keras', config: doc });
  const lstmParams = 4 * (3 * 4 + 4 * 4 + 4);
  // BatchNormalization without scale: beta (3) trainable, moving mean/variance (3 + 3) not; the frozen Bidirectional adds 2 LSTMs.
  assert.equal(summary.trainableParams, 3);
  assert.equal(summary.nonTrainableParams, 6 + 2 * lstmParams);
  assert.deepEqual(summary.outputs, [{ name: 'gap', shape: [8] }]);
  const model = buildModel({ type: 'keras', config: doc }, { seed: 2 });
  assert.equal(model.trainableWeights.length, 1);
  // A backward layer that is not the mirror of the forward one cannot be built by tfjs and is rejected.
  const odd = structuredClone(doc);
  (
    odd.config.layers[3].config as unknown as { backward_layer: { config: { units: number } } }
  ).backward_layer.config.units = 5;
  const rejected = validateModelSpec({ type: 'keras', config: odd });
  assert.equal(rejected.ok, false);
  assert.deepEqual(!rejected.ok && rejected.errors.map((e) => e.path), [
    'model.config.config.layers[3].config.backward_layer',
  ]);
  const out = model.predict(tf.ones([2, 5, 3])) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 8]);
  out.dispose();
  model.dispose();
});
