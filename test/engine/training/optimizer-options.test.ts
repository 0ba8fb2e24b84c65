// Keras 3's base-optimizer options (clipnorm, clipvalue, global_clipnorm, weight_decay, AdamW) against
// hand computations on one step of plain SGD (learning rate 1 or 0.1), where the update is the gradient.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { createOptimizer } from '../../../src/engine/training/optimizer.ts';
import { OPTIMIZERS, type OptimizerSpec } from '../../../src/domain/run-spec/schema.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';

before(async () => {
  await initBackend('wasm');
});

function assertClose(actual: ArrayLike<number>, expected: number[], what: string, tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i]! - e) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${e} (${Array.from(actual)})`),
  );
}

/**
 * One step of `spec` on variables starting at `start`, whose loss is Σ gradient·w (so the gradient is
 * exactly `gradients`); returns each variable's update (new - old) and its new values.
 */
function oneStep(spec: OptimizerSpec, start: number[][], gradients: number[][]) {
  const optimizer = createOptimizer(spec);
  const vars = start.map((v) => tf.variable(tf.tensor1d(v)));
  optimizer.minimize(
    () => tf.addN(vars.map((v, i) => tf.sum(tf.mul(v, tf.tensor1d(gradients[i]!))))) as tf.Scalar,
    false,
    vars,
  );
  const after = vars.map((v) => Array.from(v.dataSync()));
  optimizer.dispose();
  tf.dispose(vars);
  return { after, updates: after.map((a, i) => a.map((x, k) => x - start[i]![k]!)) };
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('clipnorm scales each gradient tensor to that L2 norm at most, leaving a smaller one as it is', () => {
  // [3, 4] has norm 5 → clipped to [0.6, 0.8]; [0.3, 0.4] (norm 0.5) stays.
  const { updates } = oneStep(
    { type: 'sgd', learningRate: 1, clipnorm: 1 },
    [
      [0, 0],
      [0, 0],
    ],
    [
      [3, 4],
      [0.3, 0.4],
    ],
  );
  assertClose(updates[0]!, [-0.6, -0.8], 'clipped');
  assertClose(updates[1]!, [-0.3, -0.4], 'within the norm');
  assert.ok(norm(updates[0]!) <= 1 + 1e-6, "the update's norm is bounded by clipnorm");
});

test('global_clipnorm scales all gradients together to that global norm', () => {
  // Global norm of [3, 0] and [0, 4] is 5 → each scaled by 1/5 (clipnorm would leave [3,0]'s direction and norm 1).
  const { updates } = oneStep(
    { type: 'sgd', learningRate: 1, globalClipnorm: 1 },
    [
      [0, 0],
      [0, 0],
    ],
    [
      [3, 0],
      [0, 4],
    ],
  );
  assertClose(updates[0]!, [-0.6, 0], 'first');
  assertClose(updates[1]!, [0, -0.8], 'second');
  assert.ok(Math.abs(norm([...updates[0]!, ...updates[1]!]) - 1) < 1e-6, 'global norm of the update is 1');
  const within = oneStep({ type: 'sgd', learningRate: 1, globalClipnorm: 10 }, [[0, 0]], [[3, 4]]);
  assertClose(within.updates[0]!, [-3, -4], 'within the global norm');
});

test('clipvalue clips each element to [-clipvalue, clipvalue]', () => {
  const { updates } = oneStep({ type: 'sgd', learningRate: 1, clipvalue: 0.5 }, [[0, 0, 0]], [[3, -0.2, -4]]);
  assertClose(updates[0]!, [-0.5, 0.2, 0.5], 'clipped elementwise');
  assert.ok(updates[0]!.every((u) => Math.abs(u) <= 0.5 + 1e-7));
});

test('every optimizer clips: a clipped gradient updates as the gradient scaled onto the norm by hand', () => {
  const g = [30, -40, 120]; // norm 130
  const scaled = g.map((x) => (x * 2) / 130);
  for (const type of OPTIMIZERS) {
    const clipped = oneStep({ type, learningRate: 0.1, clipnorm: 2 }, [[1, 2, 3]], [g]);
    const byHand = oneStep({ type, learningRate: 0.1 }, [[1, 2, 3]], [scaled]);
    assertClose(clipped.after[0]!, byHand.after[0]!, `${type} clipnorm`, 1e-5);
    const valued = oneStep({ type, learningRate: 0.1, clipvalue: 35 }, [[1, 2, 3]], [g]);
    const valuedByHand = oneStep({ type, learningRate: 0.1 }, [[1, 2, 3]], [[30, -35, 35]]);
    assertClose(valued.after[0]!, valuedByHand.after[0]!, `${type} clipvalue`, 1e-5);
  }
});

test("weight_decay shrinks the variable by lr · weight_decay before the update (Keras 3's decoupled decay)", () => {
  // w = [1, 2], gradient [1, 1], lr 0.1, wd 0.5: w - 0.1·0.5·w - 0.1·g = [0.85, 1.8].
  const { after } = oneStep({ type: 'sgd', learningRate: 0.1, weightDecay: 0.5 }, [[1, 2]], [[1, 1]]);
  assertClose(after[0]!, [0.85, 1.8], 'sgd with weight decay');
  // Decay is on every optimizer: with a zero gradient, Adagrad moves only by the decay.
  const decayOnly = oneStep({ type: 'adagrad', learningRate: 0.1, weightDecay: 0.5 }, [[1, 2]], [[0, 0]]);
  assertClose(decayOnly.after[0]!, [0.95, 1.9], 'adagrad, zero gradient');
});

test("adamw is Keras 3's AdamW: Adam with decoupled weight decay 0.004 by default", () => {
  // First Adam step: m̂ = g, v̂ = g², update = lr · g / (|g| + ε) ≈ lr · sign(g).
  const lr = 0.001;
  const step = (w: number, g: number, wd: number) => w - w * wd * lr - (lr * g) / (Math.abs(g) + 1e-7);
  const adamw = oneStep({ type: 'adamw' }, [[1, -2]], [[0.5, -3]]);
  assertClose(adamw.after[0]!, [step(1, 0.5, 0.004), step(-2, -3, 0.004)], 'adamw default');
  const custom = oneStep({ type: 'adamw', weightDecay: 0.1 }, [[1, -2]], [[0.5, -3]]);
  assertClose(custom.after[0]!, [step(1, 0.5, 0.1), step(-2, -3, 0.1)], 'adamw weight_decay 0.1');
  const adam = oneStep({ type: 'adam' }, [[1, -2]], [[0.5, -3]]);
  assertClose(adam.after[0]!, [step(1, 0.5, 0), step(-2, -3, 0)], 'adam has none by default');
});

test("the spec takes Keras' spellings: clipnorm, clipvalue, global_clipnorm, weight_decay, AdamW", () => {
  const spec = (optimizer: unknown) =>
    parseRunSpec({
      model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [1] }] },
      dataset: { inline: { x: [[1]], y: [[1]] } },
      compile: { optimizer, loss: 'mse' },
      fit: {},
    }).compile.optimizer;
  assert.deepEqual(spec({ type: 'AdamW', weight_decay: 0.01, global_clipnorm: 1 }), {
    type: 'adamw',
    weightDecay: 0.01,
    globalClipnorm: 1,
  });
  assert.deepEqual(spec({ type: 'sgd', clipnorm: 1, clipValue: 2 }), { type: 'sgd', clipnorm: 1, clipvalue: 2 });
  assert.deepEqual(spec({ type: 'sgd', weightDecay: 0.1, globalClipnorm: 3 }), {
    type: 'sgd',
    weightDecay: 0.1,
    globalClipnorm: 3,
  });
  // Out-of-range values are refused (the api names the argument itself: test/api/input-edges.e2e.test.ts).
  for (const bad of [{ clipnorm: 0 }, { clipvalue: -1 }, { global_clipnorm: 0 }, { weight_decay: -1 }]) {
    assert.throws(() => spec({ type: 'sgd', ...bad }), /compile\.optimizer/, JSON.stringify(bad));
  }
});

test('clipping, weight decay and a schedule free every tensor they make', () => {
  const schedule = {
    className: 'ExponentialDecay',
    config: { initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.9 },
  };
  for (const type of OPTIMIZERS) {
    for (const extra of [{ clipnorm: 1 }, { globalClipnorm: 1 }, { clipvalue: 1 }]) {
      const optimizer = createOptimizer({ type, learningRate: schedule, weightDecay: 0.01, ...extra } as OptimizerSpec);
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      const step = () => optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      step(); // the first step makes the optimizer's slots
      const before = tf.memory().numTensors;
      step();
      step();
      assert.equal(tf.memory().numTensors, before, `${type} with ${JSON.stringify(extra)}`);
      optimizer.dispose();
      w.dispose();
    }
  }
});
