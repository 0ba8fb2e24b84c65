// Several models and optimizers in one train step: examples/custom-step/gan.ts trains a small GAN on
// real MNIST digits; both models learn, both are in every checkpoint, and a resumed run is exact.
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import { mnistPixelRows } from '../../helpers/mnist.ts';
import { savedWeights, train } from '../training/helpers.ts';

before(async () => {
  await initBackend('wasm');
});

const GAN = readFileSync(new URL('../../../examples/custom-step/gan.ts', import.meta.url), 'utf8');

function ganSpec(samples = 96, fit: Record<string, unknown> = {}) {
  const x = mnistPixelRows(samples).map((img) => img.map((row) => row.map(([v]) => [v! / 255])));
  return {
    model: {
      type: 'sequential',
      name: 'discriminator',
      layers: [
        { type: 'Flatten', inputShape: [28, 28, 1] },
        { type: 'Dense', units: 32, activation: 'relu' },
        { type: 'Dense', units: 1, activation: 'sigmoid' },
      ],
    },
    // Every digit is real: the compiled loss (Keras' default test_step) scores the discriminator on them.
    dataset: { inline: { x, y: x.map(() => [1]) } },
    compile: { optimizer: { type: 'adam', learning_rate: 0.0005, beta_1: 0.5 }, loss: 'binary_crossentropy' },
    fit: { epochs: 2, batchSize: 32, shuffle: true, seed: 11, ...fit },
    train_step: {
      language: 'ts',
      source: GAN,
      models: {
        generator: {
          model: {
            type: 'sequential',
            name: 'generator',
            layers: [
              { type: 'Dense', units: 64, activation: 'relu', inputShape: [16] },
              { type: 'Dense', units: 784, activation: 'sigmoid' },
              { type: 'Reshape', targetShape: [28, 28, 1] },
            ],
          },
          optimizer: { type: 'Adam', learning_rate: 0.0005, beta_1: 0.5 },
        },
      },
    },
  };
}

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('a GAN step trains a generator and a discriminator, each with its optimizer; the generator is kept', async () => {
  const run = await train(ganSpec(), { userCode: true });
  assert.equal(run.outcome.status, 'succeeded');
  for (const epoch of run.epochs) {
    assert.deepEqual(Object.keys(epoch.metrics).sort(), ['d_loss', 'g_loss']);
    assert.ok(Number.isFinite(epoch.metrics.d_loss) && Number.isFinite(epoch.metrics.g_loss));
  }
  const generator = await savedWeights(run.store, 'runs/run-1/models/generator');
  assert.equal(generator.length, 16 * 64 + 64 + 64 * 784 + 784);
  // Against the same run stopped after its first step (its checkpoint holds both models): the generator kept learning.
  const initial = await train(ganSpec(), { userCode: true, interruptAfterBatches: 1 });
  const start = await savedWeights(
    initial.store,
    `${JSON.parse((await initial.store.get('runs/run-1/checkpoints/latest.json')).toString()).dir}/models/generator`,
  );
  assert.ok(maxDiff(generator, start) > 1e-3, 'the generator learned');
  await Promise.all([run.cleanup(), initial.cleanup()]);
});

test('a GAN run interrupted mid-epoch resumes both models and both optimizers exactly', async () => {
  const spec = ganSpec(96, { epochs: 3 });
  const straight = await train(spec, { runId: 'straight', userCode: true });
  const first = await train(spec, { runId: 'resumed', userCode: true, interruptAfterBatches: 4 });
  assert.equal(first.outcome.status, 'interrupted');
  const second = await train(spec, { runId: 'resumed', userCode: true, store: first.store });
  assert.equal(second.outcome.status, 'succeeded');
  for (const [a, b] of [
    ['runs/straight/model', 'runs/resumed/model'],
    ['runs/straight/models/generator', 'runs/resumed/models/generator'],
  ] as const) {
    const diff = maxDiff(await savedWeights(straight.store, a), await savedWeights(second.store, b));
    assert.ok(diff < 1e-6, `${a}: weights differ by ${diff}`);
  }
  const last = (r: typeof straight) => r.epochs.at(-1)!.metrics;
  assert.ok(Math.abs(last(second).g_loss! - last(straight).g_loss!) < 1e-6);
  await Promise.all([straight.cleanup(), first.cleanup()]);
});

test("a further model's optimizer with use_ema ends the run holding the averages, as the run's own does", async () => {
  const spec = ganSpec(64, { epochs: 1 });
  spec.train_step.models.generator.optimizer = {
    ...spec.train_step.models.generator.optimizer,
    use_ema: true,
  } as never;
  const run = await train(spec, { userCode: true });
  assert.equal(run.outcome.status, 'succeeded');
  // The last checkpoint (at the epoch's end) holds the raw weights and the generator optimizer's averages.
  const dir = `${JSON.parse((await run.store.get('runs/run-1/checkpoints/latest.json')).toString()).dir}/models/generator`;
  const specs = JSON.parse((await run.store.get(`${dir}/optimizer.json`)).toString()) as tf.io.WeightsManifestEntry[];
  const bin = await run.store.get(`${dir}/optimizer.bin`);
  const decoded = tf.io.decodeWeights(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    specs,
  );
  const averages = specs
    .filter((s) => s.name.endsWith('/average'))
    .flatMap((s) => Array.from(decoded[s.name]!.dataSync()));
  tf.dispose(Object.values(decoded));
  const kept = await savedWeights(run.store, 'runs/run-1/models/generator');
  assert.equal(averages.length, kept.length);
  assert.ok(maxDiff(kept, averages) < 1e-7, 'the kept generator is its averages');
  assert.ok(maxDiff(kept, await savedWeights(run.store, dir)) > 1e-6, 'which differ from the raw weights');
  await run.cleanup();
});

test("a step's further models are checked like the run's: names, graphs and optimizer arguments", () => {
  const spec = ganSpec(8);
  const generator = spec.train_step.models.generator;
  const issues = (models: Record<string, unknown>) => {
    const result = validateRunSpec(parseRunSpec({ ...spec, train_step: { ...spec.train_step, models } }), {
      maxParams: 1_000_000,
    });
    return result.ok ? [] : result.errors;
  };
  assert.deepEqual(issues({ generator }), []);
  assert.match(JSON.stringify(issues({ 'gen-1': generator })), /trainStep\.models\.gen-1.*JavaScript identifier/);
  const badLayer = {
    ...generator,
    model: { ...generator.model, layers: [{ type: 'Dense', units: 0, inputShape: [16] }] },
  };
  assert.match(JSON.stringify(issues({ generator: badLayer })), /trainStep\.models\.generator\.model/);
  const badArg = { ...generator, optimizer: { type: 'sgd', beta_1: 0.5 } };
  assert.match(JSON.stringify(issues({ generator: badArg })), /trainStep\.models\.generator\.optimizer\.beta1/);
});
