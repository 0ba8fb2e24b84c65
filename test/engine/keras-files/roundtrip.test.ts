import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import {
  KerasFileError,
  loadKerasModel,
  readKerasModelFile,
  writeKerasFile,
  writeLegacyH5,
} from '../../../src/engine/keras-files/index.ts';
import { fixture, maxAbsDiff, mnistDigits } from './helpers.ts';
import {
  buildRandomized,
  cnnInput,
  cnnSpec,
  everyLayerInputs,
  everyLayerSpec,
  twoHeadInputs,
  twoHeadSpec,
} from './models.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const MODELS = [
  { title: 'small CNN', spec: cnnSpec, inputs: cnnInput },
  { title: 'two-input two-output model (Embedding + LSTM, residual Add)', spec: twoHeadSpec, inputs: twoHeadInputs },
  { title: 'model with every layer type Kiln builds', spec: everyLayerSpec, inputs: everyLayerInputs },
];
const WRITERS = [
  { ext: 'keras', format: 'keras', write: (m: tf.LayersModel) => writeKerasFile(m) },
  { ext: 'h5', format: 'h5', write: (m: tf.LayersModel) => writeLegacyH5(m) },
] as const;

for (const { title, spec, inputs } of MODELS) {
  for (const { ext, format, write } of WRITERS) {
    test(`${title} → .${ext} → read again: same predictions within 1e-5`, () => {
      const model = buildRandomized(spec, 3);
      const x = inputs();
      const before = model.predict(x) as tf.Tensor | tf.Tensor[];
      const file = readKerasModelFile(write(model), `model.${ext}`);
      assert.equal(file.format, format);
      // Every weighted tfjs layer comes back under its own name, with the same number of variables.
      for (const layer of model.layers)
        assert.equal(file.weights.get(layer.name)?.length ?? 0, layer.weights.length, layer.name);
      const loaded = loadKerasModel(file);
      const after = loaded.predict(x) as tf.Tensor | tf.Tensor[];
      const diff = maxAbsDiff(before, after);
      assert.ok(diff < 1e-5, `largest difference ${diff}`);
      tf.dispose([x, before, after].flat());
      model.dispose();
      loaded.dispose();
    });
  }
}

test('a Keras 3 .weights.h5 (the store inside a .keras) loads against a separately given config', () => {
  const archive = unzipSync(fixture('keras-3.14-mnist-cnn.keras'));
  const modelConfig = JSON.parse(new TextDecoder().decode(archive['config.json'])) as Record<string, unknown>;
  const weightsOnly = readKerasModelFile(archive['model.weights.h5']!, 'mnist.weights.h5');
  assert.equal(weightsOnly.format, 'weights.h5');
  assert.equal(weightsOnly.weightKeys, 'object-path');
  assert.deepEqual(
    [...weightsOnly.weights.keys()].filter((k) => weightsOnly.weights.get(k)!.length > 0),
    ['layers/conv2d', 'layers/conv2d_1', 'layers/dense', 'layers/dense_1'],
  );
  assert.throws(
    () => loadKerasModel(weightsOnly),
    (e: unknown) => e instanceof KerasFileError && e.code === 'missing_config',
  );
  const viaWeights = loadKerasModel(weightsOnly, { modelConfig });
  const viaKeras = loadKerasModel(readKerasModelFile(fixture('keras-3.14-mnist-cnn.keras')));
  const digits = mnistDigits(10);
  const a = viaWeights.predict(digits) as tf.Tensor;
  const b = viaKeras.predict(digits) as tf.Tensor;
  assert.equal(maxAbsDiff(a, b), 0);
  tf.dispose([digits, a, b]);
  viaWeights.dispose();
  viaKeras.dispose();
});

test('preprocessing {scale}: the exported file computes on raw pixels what Kiln computes on scaled ones, and Kiln reads it back', () => {
  const model = buildRandomized(cnnSpec, 5);
  const raw = tf.mul(cnnInput(), 255);
  const scaled = tf.div(raw, 255);
  const expected = model.predict(scaled) as tf.Tensor;
  for (const bytes of [
    writeKerasFile(model, { preprocessing: { scale: 1 / 255 } }),
    writeLegacyH5(model, { preprocessing: { scale: 1 / 255 } }),
  ]) {
    const file = readKerasModelFile(bytes);
    const layers = (file.modelConfig!.config as { layers: Array<{ class_name: string; config: { scale?: number } }> })
      .layers;
    assert.equal(layers[1]!.class_name, 'Rescaling');
    assert.equal(layers[1]!.config.scale, 1 / 255);
    const loaded = loadKerasModel(file);
    const got = loaded.predict(raw) as tf.Tensor;
    const diff = maxAbsDiff(expected, got);
    assert.ok(diff < 1e-5, `largest difference ${diff}`);
    got.dispose();
    loaded.dispose();
  }
  tf.dispose([raw, scaled, expected]);
  model.dispose();
});

test('preprocessing {mean, std}: a Normalization layer with per-value statistics; Kiln reads it back and computes the same', () => {
  const model = buildRandomized(cnnSpec, 5);
  const mean = Array.from({ length: 144 }, (_, i) => i / 144);
  const std = Array.from({ length: 144 }, (_, i) => 1 + i / 100);
  const file = readKerasModelFile(writeKerasFile(model, { preprocessing: { mean, std } }));
  const layers = (
    file.modelConfig!.config as { layers: Array<{ class_name: string; config: Record<string, unknown> }> }
  ).layers;
  const norm = layers.find((l) => l.class_name === 'Normalization')!;
  assert.deepEqual(norm.config.axis, [1, 2, 3]);
  const nested = norm.config.mean as number[][][];
  assert.equal(nested.length, 12);
  assert.equal(nested[1]![2]![0], mean[14]);
  assert.ok(Math.abs((norm.config.variance as number[][][])[11]![11]![0]! - std[143]! ** 2) < 1e-9);
  const raw = tf.mul(cnnInput(), 255);
  const standardized = tf.div(tf.sub(raw, tf.tensor(mean, [1, 12, 12, 1])), tf.tensor(std, [1, 12, 12, 1]));
  const expected = model.predict(standardized) as tf.Tensor;
  const loaded = loadKerasModel(file);
  const got = loaded.predict(raw) as tf.Tensor;
  const diff = maxAbsDiff(expected, got);
  assert.ok(diff < 1e-5, `largest difference ${diff}`);
  tf.dispose([raw, standardized, expected, got]);
  loaded.dispose();
  model.dispose();
});

test('a tf.sequential model (not built by Kiln) is written as the equivalent Functional model', () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })],
  });
  const x = tf.randomUniform([5, 4], -1, 1, 'float32', 3);
  const before = model.predict(x) as tf.Tensor;
  const file = readKerasModelFile(writeKerasFile(model));
  assert.equal(file.modelConfig!.class_name, 'Functional');
  const loaded = loadKerasModel(file);
  const after = loaded.predict(x) as tf.Tensor;
  assert.ok(maxAbsDiff(before, after) < 1e-6);
  tf.dispose([x, before, after]);
  model.dispose();
  loaded.dispose();
});
