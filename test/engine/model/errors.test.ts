import type { Issue } from '../../../src/domain/errors.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, validateModelSpec } from '../../../src/engine/model/index.ts';
import { KilnError } from '../../../src/domain/errors.ts';
import { mnistKeras2Json, mnistSequential } from './fixtures.ts';

function errorsOf(spec: unknown, opts?: { maxParams?: number }): Issue[] {
  const result = validateModelSpec(spec, opts);
  assert.equal(result.ok, false, 'expected the spec to be rejected');
  return (result as { errors: Issue[] }).errors;
}

/** Asserts exactly one error, at `path`, whose message matches every pattern. */
function assertOneError(spec: unknown, path: string, ...patterns: RegExp[]): void {
  const errors = errorsOf(spec);
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors, null, 2)}`);
  assert.equal(errors[0].path, path);
  for (const p of patterns) assert.match(errors[0].message, p);
}

const seq = (...layers: object[]) => ({ type: 'sequential', layers });
const fn = (layers: object[], outputs: string[] = [String((layers[layers.length - 1] as { name: string }).name)]) => ({
  type: 'functional',
  inputs: [{ name: 'x', shape: [8] }],
  layers,
  outputs,
});

test('unknown layer type names the layer and lists what is supported', () => {
  assertOneError(
    seq({ type: 'Dense', units: 4, inputShape: [3] }, { type: 'Dense2', units: 2 }),
    'model.layers[1].type',
    /layer "dense2" \(Dense2\): unknown layer type "Dense2"/,
    /supported types: .*Conv2D/,
  );
  const keras = JSON.parse(mnistKeras2Json);
  keras.config.layers[7].class_name = 'MyCustomDense';
  assertOneError(
    { type: 'keras', config: keras },
    'model.config.config.layers[7].class_name',
    /layer "dense" \(MyCustomDense\): unknown layer type/,
  );
});

test('unknown argument, with the key as the user wrote it', () => {
  assertOneError(
    seq({ type: 'Dense', units: 4, inputShape: [3], kernel_sise: 3 }),
    'model.layers[0].kernel_sise',
    /layer "dense" \(Dense\): unknown argument "kernel_sise"/,
  );
});

test('wrong argument types point at the argument', () => {
  assertOneError(
    seq({ type: 'Conv2D', name: 'c1', filters: 8, kernelSize: 'three', inputShape: [8, 8, 1] }),
    'model.layers[0].kernelSize',
    /layer "c1" \(Conv2D\): kernelSize must be a positive integer or a list of 2 positive integers, got "three"/,
  );
  assertOneError(
    seq({ type: 'Dense', units: 2.5, inputShape: [3] }),
    'model.layers[0].units',
    /layer "dense" \(Dense\): units must be an integer >= 1/,
  );
  assertOneError(
    seq({ type: 'Dense', units: 2, activation: 'relux', inputShape: [3] }),
    'model.layers[0].activation',
    /unknown activation "relux"/,
  );
  assertOneError(
    seq({ type: 'Dropout', rate: 1.5, input_shape: [3] }),
    'model.layers[0].rate',
    /rate must be a number in \[0, 1\)/,
  );
  assertOneError(
    seq({ type: 'Dense', inputShape: [3] }),
    'model.layers[0]',
    /layer "dense" \(Dense\): missing required argument "units"/,
  );
});

test('incompatible shapes: Add of different shapes, Conv2D on a 2-D input; Dense on 3-D input is fine', () => {
  assertOneError(
    fn([
      { name: 'a', type: 'Dense', units: 4, inputs: 'x' },
      { name: 'b', type: 'Dense', units: 5, inputs: 'x' },
      { name: 'sum', type: 'Add', inputs: ['a', 'b'] },
    ]),
    'model.layers[2]',
    /layer "sum" \(Add\): inputs must have the same shape, got \[4\] and \[5\]/,
  );
  assertOneError(
    seq({ type: 'Conv2D', name: 'c1', filters: 4, kernelSize: 3, inputShape: [28, 28] }),
    'model.layers[0]',
    /layer "c1" \(Conv2D\): expects input of rank 3 \(height, width, channels\) without the batch axis, got \[28, 28\]/,
  );
  assertOneError(
    seq({ type: 'Conv2D', name: 'c1', filters: 4, kernelSize: 5, inputShape: [3, 3, 1] }),
    'model.layers[0].kernelSize',
    /layer "c1" \(Conv2D\): kernelSize \[5, 5\] does not fit input \[3, 3, 1\]/,
  );
  const dense3d = validateModelSpec(seq({ type: 'Dense', units: 7, inputShape: [5, 3] }));
  assert.ok(dense3d.ok);
  assert.deepEqual(dense3d.summary.layers[0].outputShape, [5, 7]);
  assert.equal(dense3d.summary.totalParams, 3 * 7 + 7);
});

test('dangling input, cycle, missing output, duplicate names', () => {
  assertOneError(
    fn([{ name: 'd', type: 'Dense', units: 2, inputs: ['nope'] }]),
    'model.layers[0].inputs[0]',
    /layer "d" \(Dense\): input "nope" does not exist/,
  );
  const cyclic = errorsOf(
    fn([
      { name: 'a', type: 'Add', inputs: ['x', 'c'] },
      { name: 'b', type: 'Dense', units: 8, inputs: 'a' },
      { name: 'c', type: 'Dense', units: 8, inputs: 'b' },
    ]),
  );
  assert.equal(cyclic.length, 1, JSON.stringify(cyclic));
  assert.match(cyclic[0].message, /inputs form a cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
  assert.match(cyclic[0].path, /^model\.layers\[\d\]\.inputs$/);
  assertOneError(
    fn([{ name: 'd', type: 'Dense', units: 2, inputs: 'x' }], ['d', 'price']),
    'model.outputs[1]',
    /output "price" does not exist/,
  );
  assertOneError(
    fn([
      { name: 'd', type: 'Dense', units: 2, inputs: 'x' },
      { name: 'd', type: 'Dense', units: 3, inputs: 'x' },
    ]),
    'model.layers[1].name',
    /layer "d" \(Dense\): duplicate name/,
  );
  assertOneError(
    seq({ type: 'Dense', name: 'x', units: 2, inputShape: [3] }, { type: 'Dense', name: 'x', units: 2 }),
    'model.layers[1].name',
    /duplicate layer name/,
  );
});

test('a layer not connected to any output is reported', () => {
  assertOneError(
    fn(
      [
        { name: 'used', type: 'Dense', units: 2, inputs: 'x' },
        { name: 'orphan', type: 'Dense', units: 2, inputs: 'x' },
      ],
      ['used'],
    ),
    'model.layers[1]',
    /layer "orphan" \(Dense\): is not connected to any model output/,
  );
});

test('shared layer applied to an input that needs other weights', () => {
  const spec = {
    type: 'functional',
    inputs: [
      { name: 'a', shape: [4] },
      { name: 'b', shape: [6] },
    ],
    layers: [
      { name: 'd1', type: 'Dense', units: 2, inputs: 'a' },
      { name: 'd2', shares: 'd1', inputs: 'b' },
      { name: 'out', type: 'Concatenate', inputs: ['d1', 'd2'] },
    ],
    outputs: ['out'],
  };
  assertOneError(
    spec,
    'model.layers[1].inputs',
    /layer "d2" \(Dense\): shares "d1" but its input \[6\] needs different weights/,
  );
});

test('a model over maxParams is rejected without allocating its weights', () => {
  // 20000 x 4000 Dense = 80M parameters = 320 MB of float32 if it were built.
  const huge = seq({ type: 'Dense', name: 'big', units: 4000, inputShape: [20000] });
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const errors = errorsOf(huge);
  const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
  assert.equal(errors.length, 1);
  assert.equal(errors[0].path, 'model');
  assert.match(
    errors[0].message,
    /has 80,004,000 parameters, over the limit of 50,000,000; the largest is layer "big" \(Dense\)/,
  );
  assert.ok(grown < 20 * 1024 * 1024, `validation grew memory by ${grown} bytes`);
  // The caller's limit applies; MNIST (130,890 params) fits the default but not 100k.
  assert.ok(validateModelSpec(mnistSequential).ok);
  assert.match(
    errorsOf(mnistSequential, { maxParams: 100_000 })[0].message,
    /130,890 parameters, over the limit of 100,000/,
  );
  assert.throws(
    () => buildModel(huge),
    (e: unknown) => e instanceof KilnError && e.code === 'invalid_spec' && e.issues[0]?.path === 'model',
  );
});

test('several independent problems are reported together', () => {
  const errors = errorsOf(
    seq({ type: 'Dense', units: 'x', inputShape: [3] }, { type: 'Conv9D' }, { type: 'Dense', units: 2, foo: 1 }),
  );
  assert.deepEqual(
    errors.map((e) => e.path),
    ['model.layers[0].units', 'model.layers[1].type', 'model.layers[2].foo'],
  );
});

test('structural problems in the spec itself', () => {
  assertOneError({ type: 'graph' }, 'model.type', /type must be "sequential", "functional", "keras" or "transfer"/);
  assertOneError(
    seq({ type: 'Dense', units: 2 }),
    'model.layers[0]',
    /layer "dense" \(Dense\): the first layer needs an input shape/,
  );
  assertOneError(
    seq({ type: 'Dense', units: 2, inputShape: [3] }, { type: 'Dense', units: 2, inputShape: [2] }),
    'model.layers[1].inputShape',
    /only allowed on the first layer/,
  );
  assertOneError({ type: 'keras', config: '{not json' }, 'model.config', /not valid JSON/);
  assertOneError(
    { type: 'keras', config: { class_name: 'Subclassed', config: {} } },
    'model.config.class_name',
    /unsupported Keras model class "Subclassed"/,
  );
});

test('Keras features tfjs lacks are rejected at the field, Keras noise is ignored', () => {
  const keras = JSON.parse(mnistKeras2Json);
  keras.config.layers[1].config.groups = 2;
  assertOneError(
    { type: 'keras', config: keras },
    'model.config.config.layers[1].config.groups',
    /layer "conv2d" \(Conv2D\): groups must be 1/,
  );
  assertOneError(
    seq({ type: 'LSTM', units: 4, inputShape: [5, 3], return_state: true }),
    'model.layers[0].return_state',
    /return_state must be false \(layers with several outputs are not supported\)/,
  );
  // tf.keras 2 writes DepthwiseConv2D with the fields it inherits from Conv2D, such as groups: 1.
  const depthwise = JSON.parse(mnistKeras2Json);
  depthwise.config.layers[3] = {
    module: 'keras.layers',
    class_name: 'DepthwiseConv2D',
    registered_name: null,
    config: {
      name: 'depthwise_conv2d',
      trainable: true,
      dtype: 'float32',
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'linear',
      use_bias: true,
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      bias_regularizer: null,
      activity_regularizer: null,
      bias_constraint: null,
      depth_multiplier: 2,
      depthwise_initializer: {
        module: 'keras.initializers',
        class_name: 'GlorotUniform',
        config: { seed: null },
        registered_name: null,
      },
      depthwise_regularizer: null,
      depthwise_constraint: null,
    },
  };
  const dw = validateModelSpec({ type: 'keras', config: depthwise });
  assert.ok(dw.ok, JSON.stringify(!dw.ok && dw.errors));
  assert.deepEqual(dw.summary.layers[2], {
    name: 'depthwise_conv2d',
    type: 'DepthwiseConv2D',
    outputShape: [11, 11, 64],
    params: 3 * 3 * 32 * 2 + 64,
  });
  // Unknown Keras fields that are null or false (newer Keras versions add some) do not fail the document.
  const noisy = JSON.parse(mnistKeras2Json);
  noisy.config.layers[7].config.lora_rank = null;
  noisy.config.layers[7].config.quantization_config = null;
  assert.ok(validateModelSpec({ type: 'keras', config: noisy }).ok);
  noisy.config.layers[7].config.lora_rank = 4;
  assertOneError(
    { type: 'keras', config: noisy },
    'model.config.config.layers[7].config.lora_rank',
    /unknown argument "lora_rank"/,
  );
});
