// Keras 3's use_ema / ema_momentum / ema_overwrite_frequency against a hand computation of the whole
// fit of a one-weight linear model under plain SGD, and a resumed run against an uninterrupted one.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { createOptimizer } from '../../../src/engine/training/optimizer.ts';
import { finalizeVariableValues } from '../../../src/engine/training/ema.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import { classifierSpec, savedWeights, train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

const x = [1, 2, 3, -1];
const y = [2, 3, 5, 0];
const lr = 0.1;

/** y ≈ w·x + b from w = b = 0, MSE, SGD, unshuffled batches of 2: Keras' order of update, EMA, overwrite. */
function byHand(epochs: number, momentum: number, overwriteFrequency?: number) {
  let [w, b] = [0, 0];
  let [aw, ab] = [0, 0];
  const losses: number[] = [];
  let iteration = 0;
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    for (let start = 0; start < x.length; start += 2) {
      const rows = [start, start + 1];
      const err = rows.map((i) => w * x[i]! + b - y[i]!);
      sum += err.reduce((s, d) => s + d * d, 0);
      const gw = rows.reduce((s, i, k) => s + (2 / rows.length) * err[k]! * x[i]!, 0);
      const gb = err.reduce((s, d) => s + (2 / rows.length) * d, 0);
      w -= lr * gw;
      b -= lr * gb;
      const m = iteration === 0 ? 0 : momentum; // the first average is the variable itself
      aw = m * aw + (1 - m) * w;
      ab = m * ab + (1 - m) * b;
      if (overwriteFrequency && (iteration + 1) % overwriteFrequency === 0) [w, b] = [aw, ab];
      iteration++;
    }
    losses.push(sum / x.length);
  }
  return { losses, trained: [w, b], averages: [aw, ab] };
}

function linearSpec(optimizer: Record<string, unknown>, epochs: number) {
  return {
    model: {
      type: 'sequential',
      layers: [{ type: 'Dense', units: 1, inputShape: [1], kernelInitializer: 'zeros', biasInitializer: 'zeros' }],
    },
    dataset: { inline: { x: x.map((v) => [v]), y: y.map((v) => [v]) } },
    compile: { optimizer: { type: 'sgd', learning_rate: lr, ...optimizer }, loss: 'mse' },
    fit: { epochs, batchSize: 2, shuffle: false, seed: 1 },
  };
}

function assertClose(actual: number[], expected: number[], what: string, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]!) <= tolerance, `${what}[${i}]: ${a} vs ${expected[i]} (${actual})`),
  );
}

test('use_ema: the epochs train the raw weights, and fit ends with the model holding their moving averages', async () => {
  const hand = byHand(3, 0.9);
  const run = await train(linearSpec({ use_ema: true, ema_momentum: 0.9 }, 3));
  assert.equal(run.outcome.status, 'succeeded');
  assertClose(
    run.epochs.map((e) => e.metrics.loss!),
    hand.losses,
    'epoch losses (the raw weights)',
  );
  const saved = await savedWeights(run.store, 'runs/run-1/model');
  assertClose(saved, hand.averages, 'saved model = the averages');
  // The hand computation is not trivially the same thing: the averages differ from the trained weights.
  assert.ok(Math.abs(hand.averages[0]! - hand.trained[0]!) > 1e-3);
  await run.cleanup();
});

test('ema_overwrite_frequency: every N iterations the weights take their averages, which changes the training', async () => {
  const hand = byHand(3, 0.5, 3);
  const run = await train(linearSpec({ useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 3 }, 3));
  assertClose(
    run.epochs.map((e) => e.metrics.loss!),
    hand.losses,
    'epoch losses',
  );
  assertClose(await savedWeights(run.store, 'runs/run-1/model'), hand.averages, 'saved model');
  assert.ok(Math.abs(byHand(3, 0.5).losses[2]! - hand.losses[2]!) > 1e-4, 'overwriting changes the losses');
  await run.cleanup();
});

test("ema_momentum defaults to Keras' 0.99, and without use_ema nothing is averaged", async () => {
  const ema = await train(linearSpec({ use_ema: true }, 2));
  assertClose(await savedWeights(ema.store, 'runs/run-1/model'), byHand(2, 0.99).averages, 'default momentum');
  const plain = await train(linearSpec({ ema_momentum: 0.5, ema_overwrite_frequency: null }, 2));
  assertClose(await savedWeights(plain.store, 'runs/run-1/model'), byHand(2, 0.5).trained, 'no EMA');
  await ema.cleanup();
  await plain.cleanup();
});

test('a run interrupted mid-epoch resumes with its averages from the checkpoint and ends as an uninterrupted one', async () => {
  const spec = classifierSpec(
    {
      compile: {
        optimizer: { type: 'adam', learningRate: 0.05, use_ema: true, ema_momentum: 0.8, ema_overwrite_frequency: 5 },
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy'],
      },
    },
    { epochs: 3 },
  );
  const straight = await train(spec, { runId: 'straight' });
  const first = await train(spec, { runId: 'resumed', interruptAfterBatches: 12 });
  assert.equal(first.outcome.status, 'interrupted');
  const specs = JSON.parse(
    (
      await first.store.get(
        `${JSON.parse((await first.store.get('runs/resumed/checkpoints/latest.json')).toString()).dir}/optimizer.json`,
      )
    ).toString(),
  ) as { name: string }[];
  assert.equal(specs.filter((s) => s.name.endsWith('/average')).length, 4, 'one average per trainable weight');
  const second = await train(spec, { runId: 'resumed', store: first.store });
  assert.equal(second.outcome.status, 'succeeded');
  const a = await savedWeights(straight.store, 'runs/straight/model');
  const b = await savedWeights(second.store, 'runs/resumed/model');
  const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  assert.ok(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
  assert.ok(Math.abs(second.epochs.at(-1)!.metrics.loss! - straight.epochs.at(-1)!.metrics.loss!) < 1e-5);
  await straight.cleanup();
  await first.cleanup();
});

test('a custom loop gets the same EMA through optimizer.minimize, and frees what it makes', () => {
  const before = tf.memory().numTensors;
  const optimizer = createOptimizer(
    parseRunSpec(linearSpec({ use_ema: true, ema_momentum: 0.9 }, 1)).compile.optimizer,
  );
  const zero = tf.scalar(0);
  const [w, b] = [tf.variable(zero), tf.variable(zero)];
  zero.dispose(); // the variables hold the data
  const xs = tf.tensor1d(x);
  const ys = tf.tensor1d(y);
  for (let step = 0; step < 6; step++) {
    const rows = [(step * 2) % 4, ((step * 2) % 4) + 1];
    const bx = tf.gather(xs, rows);
    const by = tf.gather(ys, rows);
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.mul(w, bx), b), by))) as tf.Scalar, false, [w, b]);
    tf.dispose([bx, by]);
  }
  finalizeVariableValues(optimizer, [w, b]);
  assertClose([w.dataSync()[0]!, b.dataSync()[0]!], byHand(3, 0.9).averages, 'finalized');
  optimizer.dispose();
  tf.dispose([w, b, xs, ys]);
  assert.equal(tf.memory().numTensors, before);
});

test('the spec takes use_ema, ema_momentum and ema_overwrite_frequency as Keras writes them, and bounds them', () => {
  const optimizer = (o: Record<string, unknown>) => parseRunSpec(linearSpec(o, 1)).compile.optimizer;
  assert.deepEqual(optimizer({ use_ema: true, ema_momentum: 0.9, ema_overwrite_frequency: 10 }), {
    type: 'sgd',
    learningRate: lr,
    useEma: true,
    emaMomentum: 0.9,
    emaOverwriteFrequency: 10,
  });
  for (const bad of [{ ema_momentum: 1.5 }, { ema_momentum: -0.1 }, { ema_overwrite_frequency: 0 }]) {
    assert.throws(() => optimizer({ use_ema: true, ...bad }), /compile\.optimizer/, JSON.stringify(bad));
  }
  // Every optimizer takes them (they are Keras 3's base-optimizer arguments).
  for (const type of ['adam', 'rmsprop', 'adagrad']) {
    const result = validateRunSpec(
      parseRunSpec({ ...linearSpec({}, 1), compile: { optimizer: { type, use_ema: true }, loss: 'mse' } }),
      { maxParams: 1_000_000 },
    );
    assert.deepEqual(result.ok ? [] : result.errors, [], type);
  }
});
