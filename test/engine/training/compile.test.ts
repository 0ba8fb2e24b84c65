import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { createOptimizer, getLearningRate, setLearningRate } from '../../../src/engine/training/optimizer.ts';
import { OPTIMIZERS } from '../../../src/domain/run-spec/schema.ts';
import { classifierSpec, train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

test('every optimizer trains, and a rate changed mid-training takes effect at the next step', () => {
  for (const type of OPTIMIZERS) {
    const optimizer = createOptimizer({ type, learningRate: 0.1 });
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const step = () => optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    const before = w.dataSync().slice();
    step();
    assert.notDeepEqual(Array.from(w.dataSync()), Array.from(before), `${type} moved the weights`);
    assert.equal(getLearningRate(optimizer), 0.1);
    setLearningRate(optimizer, 0);
    assert.equal(getLearningRate(optimizer), 0);
    const frozen = w.dataSync().slice();
    step();
    // With rate 0 nothing may move (momentum-style optimizers carry velocity scaled by the rate too).
    assert.deepEqual(Array.from(w.dataSync()), Array.from(frozen), `${type} honoured the new rate`);
    optimizer.dispose();
    w.dispose();
  }
});

test("Keras' default learning rates apply when none is given", () => {
  // Keras' Adamax defaults to 0.001 (tf.keras and Keras 3), not tfjs' 0.002.
  const cases: Array<[(typeof OPTIMIZERS)[number], number]> = [
    ['sgd', 0.01],
    ['adam', 0.001],
    ['rmsprop', 0.001],
    ['adamax', 0.001],
    ['adagrad', 0.001],
    ['adadelta', 0.001],
  ];
  for (const [type, lr] of cases) {
    const optimizer = createOptimizer(type);
    assert.equal(getLearningRate(optimizer), lr, type);
    optimizer.dispose();
  }
});

test('the same seed on the same backend gives the same metrics; another seed does not', async () => {
  const a = await train(classifierSpec({}, { epochs: 2, seed: 11 }), { runId: 'a' });
  const b = await train(classifierSpec({}, { epochs: 2, seed: 11 }), { runId: 'b' });
  const c = await train(classifierSpec({}, { epochs: 2, seed: 12 }), { runId: 'c' });
  assert.deepEqual(
    a.epochs.map((e) => e.metrics),
    b.epochs.map((e) => e.metrics),
  );
  assert.notDeepEqual(
    a.epochs.map((e) => e.metrics),
    c.epochs.map((e) => e.metrics),
  );
  await Promise.all([a, b, c].map((r) => r.cleanup()));
});

test('several outputs: per-output losses and metrics under Keras names, weighted by lossWeights', async () => {
  const x = Array.from({ length: 32 }, (_, i) => [i / 32, (i % 4) / 4]);
  const spec = {
    model: {
      type: 'functional',
      inputs: [{ name: 'features', shape: [2] }],
      layers: [
        { name: 'hidden', type: 'Dense', units: 8, activation: 'relu', inputs: ['features'] },
        { name: 'category', type: 'Dense', units: 2, activation: 'softmax', inputs: ['hidden'] },
        { name: 'price', type: 'Dense', units: 1, inputs: ['hidden'] },
      ],
      outputs: ['category', 'price'],
    },
    dataset: {
      inline: { x, y: { category: x.map((r) => (r[0]! > 0.5 ? [0, 1] : [1, 0])), price: x.map((r) => [r[0]! * 3]) } },
    },
    compile: {
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: { category: 'categoricalCrossentropy', price: 'meanSquaredError' },
      lossWeights: { category: 1, price: 0.5 },
      metrics: { category: ['accuracy'], price: ['mae'] },
    },
    fit: { epochs: 2, batchSize: 8, validationSplit: 0.25, shuffle: true, seed: 1 },
  };
  const run = await train(spec);
  const m = run.epochs[1]!.metrics;
  for (const key of [
    'loss',
    'category_loss',
    'price_loss',
    'category_accuracy',
    'price_mae',
    'val_loss',
    'val_category_loss',
    'val_price_loss',
    'val_category_accuracy',
    'val_price_mae',
  ]) {
    assert.equal(typeof m[key], 'number', key);
  }
  assert.ok(
    Math.abs(m.val_loss! - (m.val_category_loss! + 0.5 * m.val_price_loss!)) < 1e-5,
    'total = Σ weight × output loss',
  );
  await run.cleanup();
});

test('classWeight scales each sample by its class', async () => {
  const plain = await train(classifierSpec({}, { epochs: 1, seed: 4, validationSplit: 0.25 }), { runId: 'plain' });
  const weighted = await train(
    classifierSpec({}, { epochs: 1, seed: 4, validationSplit: 0.25, classWeight: { '0': 3, '1': 3 } }),
    { runId: 'weighted' },
  );
  // Same data and seed: the first batch's loss triples exactly, so the epoch's training loss differs; validation loss is unweighted.
  assert.notEqual(plain.epochs[0]!.metrics.loss, weighted.epochs[0]!.metrics.loss);
  await Promise.all([plain.cleanup(), weighted.cleanup()]);
});
