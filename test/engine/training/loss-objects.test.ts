// Keras loss objects ({"class_name": ..., "config": {...}}): from_logits and label_smoothing against
// Keras' formulas computed by hand on one batch of a tiny model with fixed weights.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { forwardLoss, resolveHeads } from '../../../src/engine/training/heads.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import { train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

const close = (a: number, b: number, what: string, tolerance = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tolerance, `${what}: ${a} vs ${b}`);

const x = [
  [1, 0],
  [0, 1],
  [0.5, -1],
];

/** A Dense layer of `units` on 2 inputs with fixed weights, so its outputs are known by hand. */
function tinyModel(units: number, activation: string) {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units, activation: activation as 'linear', inputShape: [2], name: 'out' })],
  });
  const kernel = Array.from({ length: 2 }, (_, i) => Array.from({ length: units }, (_, j) => (i + 1) * 0.5 - j * 0.3));
  model.setWeights([tf.tensor2d(kernel), tf.tensor1d(Array.from({ length: units }, (_, j) => j * 0.1))]);
  return model;
}

const specWith = (loss: unknown, units: number) =>
  parseRunSpec({
    model: { type: 'sequential', layers: [{ type: 'Dense', units, inputShape: [2] }] },
    dataset: { inline: { x, y: x.map(() => Array(units).fill(0)) } },
    compile: { optimizer: 'sgd', loss },
    fit: {},
  });

/** The batch loss of `loss` on the tiny model's outputs for `y`. */
function batchLoss(loss: unknown, units: number, activation: string, y: number[][]): number {
  const model = tinyModel(units, activation);
  const heads = resolveHeads(model.outputNames, specWith(loss, units).compile);
  const value = tf.tidy(
    () => forwardLoss(model, heads, [tf.tensor2d(x)], [tf.tensor2d(y)], false).total.dataSync()[0]!,
  );
  model.dispose();
  return value;
}

/** The tiny model's outputs as plain numbers. */
function outputs(units: number, activation: string): number[][] {
  const model = tinyModel(units, activation);
  const out = tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
  model.dispose();
  return out;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const softmax = (row: number[]) => {
  const e = row.map((v) => Math.exp(v - Math.max(...row)));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

const oneHot = [
  [0, 1, 0],
  [1, 0, 0],
  [0, 0, 1],
];

test('CategoricalCrossentropy label_smoothing: y·(1 - ls) + ls/classes, then -Σ y log p (by hand)', () => {
  const p = outputs(3, 'softmax');
  const ls = 0.1;
  const byHand = mean(
    oneHot.map((row, i) => -row.reduce((s, y, k) => s + (y * (1 - ls) + ls / 3) * Math.log(p[i]![k]!), 0)),
  );
  const loss = { class_name: 'CategoricalCrossentropy', config: { label_smoothing: ls } };
  close(batchLoss(loss, 3, 'softmax', oneHot), byHand, 'smoothed loss');
  const plain = mean(oneHot.map((row, i) => -row.reduce((s, y, k) => s + y * Math.log(p[i]![k]!), 0)));
  assert.ok(Math.abs(byHand - plain) > 1e-3, 'smoothing changes the loss');
});

test('CategoricalCrossentropy from_logits equals softmax then crossentropy, with label smoothing too', () => {
  const logits = outputs(3, 'linear');
  for (const ls of [0, 0.2]) {
    const byHand = mean(
      oneHot.map((row, i) => {
        const p = softmax(logits[i]!);
        return -row.reduce((s, y, k) => s + (y * (1 - ls) + ls / 3) * Math.log(p[k]!), 0);
      }),
    );
    const loss = { class_name: 'CategoricalCrossentropy', config: { from_logits: true, label_smoothing: ls } };
    close(batchLoss(loss, 3, 'linear', oneHot), byHand, `from_logits, ls ${ls}`);
    // The same as the softmax model's plain categorical crossentropy (when not smoothed).
    if (ls === 0) close(batchLoss('categorical_crossentropy', 3, 'softmax', oneHot), byHand, 'softmax model');
  }
});

test('SparseCategoricalCrossentropy from_logits equals softmax then crossentropy', () => {
  const logits = outputs(3, 'linear');
  const labels = [1, 0, 2];
  const byHand = mean(labels.map((c, i) => -Math.log(softmax(logits[i]!)[c]!)));
  const loss = { class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true } };
  close(
    batchLoss(
      loss,
      3,
      'linear',
      labels.map((c) => [c]),
    ),
    byHand,
    'sparse from_logits',
  );
});

test('BinaryCrossentropy: from_logits equals sigmoid then crossentropy; label_smoothing y·(1 - ls) + 0.5·ls', () => {
  const logits = outputs(1, 'linear').map((r) => r[0]!);
  const y = [[1], [0], [1]];
  const bce = (t: number, p: number) => -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
  for (const ls of [0, 0.2]) {
    const byHand = mean(y.map(([t], i) => bce(t! * (1 - ls) + 0.5 * ls, sigmoid(logits[i]!))));
    const fromLogits = { class_name: 'BinaryCrossentropy', config: { from_logits: true, label_smoothing: ls } };
    close(batchLoss(fromLogits, 1, 'linear', y), byHand, `from_logits, ls ${ls}`);
    const onProbabilities = { className: 'BinaryCrossentropy', config: { labelSmoothing: ls } };
    close(batchLoss(onProbabilities, 1, 'sigmoid', y), byHand, `sigmoid output, ls ${ls}`, 1e-4);
  }
});

test("Huber's delta: 0.5·x² within delta, delta·|x| - 0.5·delta² beyond", () => {
  const out = outputs(1, 'linear').map((r) => r[0]!);
  const y = [[2], [0], [-1]];
  const delta = 0.5;
  const byHand = mean(
    y.map(([t], i) => {
      const e = Math.abs(out[i]! - t!);
      return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    }),
  );
  close(batchLoss({ class_name: 'Huber', config: { delta } }, 1, 'linear', y), byHand, 'huber delta 0.5');
});

test("Keras' spellings: serialized objects, class names as strings, per output", () => {
  const serialized = {
    module: 'keras.losses',
    class_name: 'CategoricalCrossentropy',
    config: {
      name: 'categorical_crossentropy',
      reduction: 'sum_over_batch_size',
      from_logits: true,
      label_smoothing: 0.1,
      axis: -1,
    },
    registered_name: null,
  };
  const compile = specWith(serialized, 3).compile;
  assert.deepEqual(compile.loss, {
    module: 'keras.losses',
    className: 'CategoricalCrossentropy',
    config: {
      name: 'categorical_crossentropy',
      reduction: 'sum_over_batch_size',
      fromLogits: true,
      labelSmoothing: 0.1,
      axis: -1,
    },
    registeredName: null,
  });
  const [head] = resolveHeads(['out'], compile);
  assert.equal(head!.lossName, 'categoricalCrossentropy');
  assert.deepEqual(head!.lossOptions, { fromLogits: true, labelSmoothing: 0.1 });
  assert.equal(specWith('CategoricalCrossentropy', 3).compile.loss, 'categoricalCrossentropy');
  const perOutput = resolveHeads(['a', 'b'], {
    ...compile,
    loss: { a: 'meanSquaredError', b: { className: 'BinaryCrossentropy', config: { fromLogits: true } } },
  });
  assert.deepEqual(
    perOutput.map((h) => [h.lossName, h.lossOptions]),
    [
      ['meanSquaredError', {}],
      ['binaryCrossentropy', { fromLogits: true }],
    ],
  );
});

test('an argument a loss class does not take, or a reduction Kiln does not compute, is refused naming the field', () => {
  const issues = (loss: unknown) => {
    const result = validateRunSpec(specWith(loss, 3), { maxParams: 1000 });
    return result.ok ? [] : result.errors;
  };
  const find = (loss: unknown, path: string, message: RegExp) => {
    const found = issues(loss).find((i) => i.path === path);
    assert.ok(found && message.test(found.message), `${path}: ${JSON.stringify(issues(loss))}`);
  };
  find(
    { class_name: 'SparseCategoricalCrossentropy', config: { label_smoothing: 0.1 } },
    'compile.loss.config.labelSmoothing',
    /not an argument of SparseCategoricalCrossentropy/,
  );
  find(
    { class_name: 'MeanSquaredError', config: { from_logits: true } },
    'compile.loss.config.fromLogits',
    /not an argument/,
  );
  find(
    { class_name: 'CategoricalCrossentropy', config: { reduction: 'sum' } },
    'compile.loss.config.reduction',
    /"sum" is not supported/,
  );
  find({ class_name: 'CategoricalCrossentropy', config: { axis: 1 } }, 'compile.loss.config.axis', /only -1/);
  assert.deepEqual(
    issues({ class_name: 'CategoricalCrossentropy', config: { from_logits: true, reduction: 'auto' } }),
    [],
  );
  assert.throws(
    () => specWith({ class_name: 'CategoricalCrossentropy', config: { label_smoothing: 1.5 } }, 3),
    /compile\.loss/,
  );
  assert.throws(() => specWith({ class_name: 'FocalLoss' }, 3), /compile\.loss/);
});

test('a run with a linear output and CategoricalCrossentropy(from_logits, label_smoothing) trains, on 1 and 2 replicas alike', async () => {
  const data = Array.from({ length: 24 }, (_, i) => [((i * 7) % 10) / 5 - 1, ((i * 3) % 10) / 5 - 1]);
  const spec = {
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 8, activation: 'relu', inputShape: [2] },
        { type: 'Dense', units: 2 },
      ],
    },
    dataset: { inline: { x: data, y: data.map((r) => (r[0]! > 0 ? [0, 1] : [1, 0])) } },
    compile: {
      optimizer: { type: 'adam', learning_rate: 0.05 },
      loss: { class_name: 'CategoricalCrossentropy', config: { from_logits: true, label_smoothing: 0.1 } },
      metrics: ['accuracy'],
    },
    fit: { epochs: 4, batch_size: 8, seed: 1 },
  };
  const one = await train(spec, { runId: 'one' });
  const two = await train(spec, { runId: 'two', replicas: 2 });
  assert.equal(one.outcome.status, 'succeeded', one.logs.join('\n'));
  assert.equal(two.outcome.status, 'succeeded', two.logs.join('\n'));
  assert.ok(one.epochs.at(-1)!.metrics.loss! < one.epochs[0]!.metrics.loss!, 'loss went down');
  one.epochs.forEach((e, i) => close(two.epochs[i]!.metrics.loss!, e.metrics.loss!, `epoch ${i + 1} loss`, 1e-4));
  await one.cleanup();
  await two.cleanup();
});
