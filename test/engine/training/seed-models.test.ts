import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/engine/backend.ts';
import { miniResNet, productModel } from '../model/fixtures.ts';
import { train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

/** Deterministic pseudo-random numbers in [0, 1). */
function sequence(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const image = (random: () => number) =>
  Array.from({ length: 32 }, () => Array.from({ length: 32 }, () => [random(), random(), random()]));

test("the seed's MiniResNet (32×32×3, 10 classes) trains one epoch on generated data", async () => {
  const random = sequence(5);
  const x = Array.from({ length: 24 }, () => image(random));
  const y = x.map((_, i) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 1 : 0)));
  const run = await train({
    model: miniResNet(),
    dataset: { inline: { x, y } },
    compile: { optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 8, validationSplit: 0.25, seed: 1 },
  });
  assert.equal(run.outcome.status, 'succeeded', JSON.stringify(run.events.filter((e) => e.type === 'log')));
  const m = run.epochs[0]!.metrics;
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) assert.ok(Number.isFinite(m[key]), key);
  await run.cleanup();
});

test('the image + text → category + price model trains one epoch and reports per-output losses and metrics', async () => {
  const random = sequence(9);
  const n = 24;
  const images = Array.from({ length: n }, () =>
    image(random).map((row) => row.map((px) => px.map((v) => Math.round(v * 255)))),
  );
  const text = Array.from({ length: n }, () => Array.from({ length: 12 }, () => Math.floor(random() * 500)));
  const category = Array.from({ length: n }, (_, i) => Array.from({ length: 5 }, (_, k) => (k === i % 5 ? 1 : 0)));
  const price = Array.from({ length: n }, (_, i) => [10 + (i % 7)]);
  const run = await train({
    model: productModel,
    dataset: { inline: { x: { image: images, text }, y: { category, price } } },
    compile: {
      optimizer: 'adam',
      loss: { category: 'categorical_crossentropy', price: 'mse' },
      loss_weights: { category: 1.0, price: 0.5 },
      metrics: { category: 'accuracy', price: 'mae' },
    },
    fit: { epochs: 1, batchSize: 8, validationSplit: 0.25, seed: 2 },
  });
  assert.equal(run.outcome.status, 'succeeded', JSON.stringify(run.events.filter((e) => e.type === 'log')));
  const m = run.epochs[0]!.metrics;
  for (const key of [
    'loss',
    'category_loss',
    'price_loss',
    'category_accuracy',
    'price_mae',
    'val_category_loss',
    'val_price_mae',
  ]) {
    assert.ok(Number.isFinite(m[key]), `${key} = ${m[key]}`);
  }
  assert.ok(Math.abs(m.val_loss! - (m.val_category_loss! + 0.5 * m.val_price_loss!)) < 1e-3 * m.val_loss!);
  await run.cleanup();
});
