// Keras' learning-rate schedules as an optimizer's learning rate: the rate at given steps against
// Keras 3's formulas by hand, the rate each update uses, and exact resume from a checkpoint.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { createSchedule } from '../../../src/engine/training/lr-schedule.ts';
import { createOptimizer, getLearningRate, setLearningRate } from '../../../src/engine/training/optimizer.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import type { LearningRateSchedule, OptimizerSpec } from '../../../src/domain/run-spec/schema.ts';
import { classifierSpec, savedWeights, train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

const close = (a: number, b: number, what: string, tolerance = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The schedule a spec's optimizer carries after the api's normalisation (Keras' snake_case in). */
function scheduleOf(learningRate: unknown): LearningRateSchedule {
  const spec = parseRunSpec({
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [1] }] },
    dataset: { inline: { x: [[1]], y: [[1]] } },
    compile: { optimizer: { type: 'sgd', learning_rate: learningRate }, loss: 'mse' },
    fit: {},
  });
  return (spec.compile.optimizer as { learningRate: LearningRateSchedule }).learningRate;
}

test('ExponentialDecay: initial · rate^(step / decay_steps), floored with staircase', () => {
  const config = { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 };
  const smooth = createSchedule(scheduleOf({ class_name: 'ExponentialDecay', config }));
  const stairs = createSchedule(scheduleOf({ class_name: 'ExponentialDecay', config: { ...config, staircase: true } }));
  for (const [step, s, st] of [
    [0, 0.1, 0.1],
    [5, 0.1 * Math.SQRT1_2, 0.1],
    [10, 0.05, 0.05],
    [15, 0.05 * Math.SQRT1_2, 0.05],
    [25, 0.1 * 0.5 ** 2.5, 0.025],
  ] as const) {
    close(smooth(step), s, `step ${step}`);
    close(stairs(step), st, `staircase step ${step}`);
  }
});

test("CosineDecay: Keras 3's cosine with alpha, then with a linear warm-up to warmup_target", () => {
  const cosine = createSchedule(
    scheduleOf({ class_name: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: 100, alpha: 0.1 } }),
  );
  close(cosine(0), 0.1, 'step 0');
  close(cosine(50), 0.1 * (0.9 * 0.5 + 0.1), 'step 50: half way');
  close(cosine(25), 0.1 * (0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1), 'step 25');
  close(cosine(100), 0.01, 'step 100: alpha · initial');
  close(cosine(500), 0.01, 'beyond decay_steps it stays');
  const warm = createSchedule(
    scheduleOf({
      class_name: 'CosineDecay',
      config: { initial_learning_rate: 0, decay_steps: 10, warmup_target: 0.2, warmup_steps: 4 },
    }),
  );
  close(warm(0), 0, 'warm-up starts at initial_learning_rate');
  close(warm(1), 0.05, 'warm-up step 1: linear');
  close(warm(3), 0.15, 'warm-up step 3');
  close(warm(4), 0.2, 'warm-up done: warmup_target');
  close(warm(9), 0.2 * 0.5 * (1 + Math.cos(Math.PI / 2)), 'then cosine from warmup_target');
  close(warm(14), 0, 'decayed');
  close(warm(40), 0, 'stays');
});

test('PiecewiseConstantDecay: values[0] up to boundaries[0] included, and so on', () => {
  const piecewise = createSchedule(
    scheduleOf({ class_name: 'PiecewiseConstantDecay', config: { boundaries: [3, 6], values: [1, 0.5, 0.1] } }),
  );
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 100].map(piecewise), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.1, 0.1]);
});

test('each update uses the schedule at the optimizer iteration count, also after clipping and weight decay', () => {
  const schedule = {
    className: 'ExponentialDecay',
    config: { initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 },
  };
  const optimizer = createOptimizer({ type: 'sgd', learningRate: schedule, clipnorm: 1 } as OptimizerSpec);
  const w = tf.variable(tf.tensor1d([0, 0]));
  const updates: number[] = [];
  for (let step = 0; step < 4; step++) {
    close(getLearningRate(optimizer), 0.1 * 0.5 ** step, `learning rate before step ${step}`, 1e-6);
    const before = w.dataSync()[0]!;
    // Gradient [6, 8] (norm 10) is clipped to [0.6, 0.8]; the update is lr · 0.6 on the first weight.
    optimizer.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([6, 8]))) as tf.Scalar, false, [w]);
    updates.push(before - w.dataSync()[0]!);
  }
  updates.forEach((u, step) => close(u, 0.6 * 0.1 * 0.5 ** step, `update ${step}`, 1e-5));
  assert.throws(() => setLearningRate(optimizer, 0.5), /set by its schedule/);
  optimizer.dispose();
  w.dispose();
});

test("epoch events carry the schedule's rate; a run resumed from a checkpoint takes the same rates and ends where an uninterrupted one does", async () => {
  const learningRate = {
    class_name: 'ExponentialDecay',
    config: { initial_learning_rate: 0.05, decay_steps: 4, decay_rate: 0.7 },
  };
  // 72 training rows in batches of 8: 9 steps per epoch.
  const spec = classifierSpec(
    {
      compile: {
        optimizer: { type: 'adam', learning_rate: learningRate, clipnorm: 1 },
        loss: 'categorical_crossentropy',
      },
    },
    { epochs: 3 },
  );
  const expected = [9, 18, 27].map((steps) => 0.05 * 0.7 ** (steps / 4));
  const straight = await train(spec, { runId: 'straight' });
  assert.equal(straight.outcome.status, 'succeeded', straight.logs.join('\n'));
  straight.epochs.forEach((e, i) => close(e.lr, expected[i]!, `epoch ${i + 1} lr`, 1e-6));

  const first = await train(spec, { runId: 'resumed', interruptAfterBatches: 13 });
  assert.equal(first.outcome.status, 'interrupted');
  const second = await train(spec, { runId: 'resumed', store: first.store });
  assert.equal(second.outcome.status, 'succeeded', second.logs.join('\n'));
  assert.ok(
    second.logs.some((m) => /resuming from checkpoint at epoch 2, batch 5/.test(m)),
    second.logs.join('\n'),
  );
  assert.deepEqual(
    second.epochs.map((e) => e.epoch),
    [2, 3],
  );
  second.epochs.forEach((e, i) => {
    close(e.lr, expected[i + 1]!, `resumed epoch ${e.epoch} lr`, 1e-6);
    close(e.metrics.loss!, straight.epochs[i + 1]!.metrics.loss!, `resumed epoch ${e.epoch} loss`, 1e-5);
  });
  const a = await savedWeights(straight.store, 'runs/straight/model');
  const b = await savedWeights(second.store, 'runs/resumed/model');
  const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  assert.ok(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
  await straight.cleanup();
  await first.cleanup();
});

test('a schedule is checked: piecewise values against boundaries, and ReduceLROnPlateau refused with it', () => {
  const issues = (learningRate: unknown, callbacks?: unknown) => {
    const spec = parseRunSpec({
      model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [1] }] },
      dataset: { inline: { x: [[1], [2], [3], [4]], y: [[1], [2], [3], [4]] } },
      compile: { optimizer: { type: 'sgd', learning_rate: learningRate }, loss: 'mse' },
      fit: { validation_split: 0.5 },
      callbacks,
    });
    const result = validateRunSpec(spec, { maxParams: 1000 });
    return result.ok ? [] : result.errors;
  };
  const find = (found: { path: string; message: string }[], path: string, message: RegExp) => {
    const issue = found.find((i) => i.path === path);
    assert.ok(issue && message.test(issue.message), `${path}: ${JSON.stringify(found)}`);
  };
  find(
    issues({ class_name: 'PiecewiseConstantDecay', config: { boundaries: [3, 6], values: [1, 0.5] } }),
    'compile.optimizer.learningRate.config.values',
    /one more value than boundaries/,
  );
  find(
    issues({ class_name: 'PiecewiseConstantDecay', config: { boundaries: [6, 3], values: [1, 0.5, 0.1] } }),
    'compile.optimizer.learningRate.config.boundaries',
    /must increase/,
  );
  const exponential = {
    class_name: 'ExponentialDecay',
    config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.9 },
  };
  find(
    issues(exponential, { reduce_lr_on_plateau: { patience: 1 } }),
    'callbacks.reduceLROnPlateau',
    /cannot change a learning rate that a schedule sets/,
  );
  assert.deepEqual(issues(exponential), []);
  for (const bad of [
    { class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 0, decay_rate: 0.9 } },
    { class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_rate: 0.9 } },
    { class_name: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: 10, alpha: 2 } },
    { class_name: 'InverseTimeDecay', config: {} },
  ]) {
    assert.throws(() => issues(bad), /compile\.optimizer/, JSON.stringify(bad));
  }
});
