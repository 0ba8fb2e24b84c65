import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, validateModelSpec, type ModelSummary } from '../../../src/engine/model/index.ts';
import {
  MNIST_PARAMS,
  MNIST_SHAPES,
  mnistFunctional,
  mnistKeras2Json,
  mnistKeras3Functional,
  mnistKeras3Sequential,
  mnistSequential,
} from './fixtures.ts';

function summaryOf(spec: unknown): ModelSummary {
  const result = validateModelSpec(spec);
  assert.ok(result.ok, `expected a valid spec, got ${JSON.stringify(!result.ok && result.errors, null, 2)}`);
  return result.summary;
}

/** The rows Keras prints for the MNIST CNN, InputLayer rows left out (sequential summaries do not have them). */
function layerRows(summary: ModelSummary) {
  return summary.layers
    .filter((l) => l.type !== 'InputLayer')
    .map((l) => ({ name: l.name, type: l.type, outputShape: l.outputShape, params: l.params }));
}

test('MNIST CNN as a sequential spec: Keras shapes and parameter counts', () => {
  const summary = summaryOf(mnistSequential);
  assert.equal(summary.name, 'MNIST_CNN');
  assert.equal(summary.totalParams, 130_890);
  assert.equal(summary.trainableParams, 130_890);
  assert.equal(summary.nonTrainableParams, 0);
  assert.deepEqual(
    summary.layers.map((l) => l.outputShape),
    MNIST_SHAPES,
  );
  assert.deepEqual(
    summary.layers.map((l) => l.params),
    MNIST_PARAMS,
  );
  // Default names follow Keras' naming scheme.
  assert.deepEqual(
    summary.layers.map((l) => l.name),
    ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'conv2d_2', 'flatten', 'dense', 'dropout', 'dense_1'],
  );
  assert.deepEqual(summary.inputs, [{ name: 'conv2d_input', shape: [28, 28, 1] }]);
  assert.deepEqual(summary.outputs, [{ name: 'dense_1', shape: [10] }]);
});

test('MNIST CNN from tf.keras 2.15 to_json (as a string and parsed) gives the same summary', () => {
  const expected = layerRows(summaryOf(mnistSequential));
  for (const config of [mnistKeras2Json, JSON.parse(mnistKeras2Json)]) {
    const summary = summaryOf({ type: 'keras', config });
    assert.equal(summary.name, 'MNIST_CNN');
    assert.equal(summary.totalParams, 130_890);
    assert.deepEqual(layerRows(summary), expected);
  }
});

test('MNIST CNN from Keras 3 to_json, Sequential and Functional, gives the same summary', () => {
  const expected = layerRows(summaryOf(mnistSequential));
  const sequential = summaryOf({ type: 'keras', config: mnistKeras3Sequential });
  assert.deepEqual(layerRows(sequential), expected);
  const functional = summaryOf({ type: 'keras', config: mnistKeras3Functional });
  assert.deepEqual(layerRows(functional), expected);
  assert.equal(functional.layers[0].type, 'InputLayer');
  assert.deepEqual(functional.layers[1].inputs, ['input_layer']);
});

test('MNIST CNN as a functional spec with layers listed out of order gives the same summary', () => {
  const summary = summaryOf(mnistFunctional);
  assert.deepEqual(layerRows(summary), layerRows(summaryOf(mnistSequential)));
  assert.deepEqual(summary.layers[0], { name: 'image', type: 'InputLayer', outputShape: [28, 28, 1], params: 0 });
});

test('formatSummary prints the Keras table', () => {
  const text = formatSummary(summaryOf(mnistSequential));
  assert.match(text, /^Model: "MNIST_CNN"/);
  assert.match(text, /Layer \(type\) +Output Shape +Param #/);
  assert.match(text, /conv2d \(Conv2D\) +\(None, 26, 26, 32\) +320\n/);
  assert.match(text, /dense_1 \(Dense\) +\(None, 10\) +1,290\n/);
  assert.match(text, /Total params: 130,890 \(511\.29 KB\)/);
  assert.match(text, /Trainable params: 130,890/);
  assert.match(text, /Non-trainable params: 0/);
  const functional = formatSummary(summaryOf(mnistFunctional));
  assert.match(functional, /Connected to/);
  assert.match(functional, /conv2d_1 \(Conv2D\) +\(None, 11, 11, 64\) +18,496 +max_pooling2d\n/);
});

test('a layer named like the implicit sequential input does not clash with it', () => {
  const summary = summaryOf({
    type: 'sequential',
    layers: [
      { type: 'Dense', name: 'd', units: 2, input_shape: [3] },
      { type: 'Dense', name: 'd_input', units: 1 },
    ],
  });
  assert.deepEqual(summary.inputs, [{ name: 'd_input_1', shape: [3] }]);
});
