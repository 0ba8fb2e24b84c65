// A user-written train step (Keras' train_step / test_step over TensorFlow.js) run by the engine:
// the seed's chapter-4 GradientTape loop against the built-in fit, and each way user code can fail.
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { KilnError } from '../../../src/domain/errors.ts';
import type { RunEventDraft } from '../../../src/domain/run-event.ts';
import { UserCodeError } from '../../../src/engine/custom-step/user-code-error.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import { mnistLabels, mnistPixelRows } from '../../helpers/mnist.ts';
import { mnistSequential } from '../model/fixtures.ts';
import { savedWeights, train } from '../training/helpers.ts';

before(async () => {
  await initBackend('wasm');
});

/** The seed's custom loop (chapter 4) as a module: examples/custom-step/seed-loop.ts. */
const SEED_LOOP = readFileSync(new URL('../../../examples/custom-step/seed-loop.ts', import.meta.url), 'utf8');

function mnistSpec(samples: number, extra: Record<string, unknown> = {}) {
  const x = mnistPixelRows(samples).map((img) => img.map((row) => row.map(([v]) => [v! / 255])));
  const y = mnistLabels(samples).map((label) => Array.from({ length: 10 }, (_, k) => (k === label ? 1 : 0)));
  return {
    model: mnistSequential,
    dataset: { inline: { x, y } },
    compile: {
      optimizer: { type: 'adam', learning_rate: 0.001 },
      loss: 'categorical_crossentropy',
      metrics: ['accuracy'],
    },
    fit: { epochs: 2, batchSize: 64, validationSplit: 0.2, shuffle: true, seed: 7 },
    ...extra,
  };
}

/** A small dense classifier on designed data: quick enough to fail in many ways. */
function smallSpec(source: string, extra: Record<string, unknown> = {}, language = 'js') {
  const x = Array.from({ length: 32 }, (_, i) => [((i * 37) % 100) / 50 - 1, ((i * 13) % 7) / 7]);
  return {
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 8, activation: 'relu', inputShape: [2] },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    dataset: { inline: { x, y: x.map(([a]) => (a! > 0 ? [0, 1] : [1, 0])) } },
    compile: { optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'categoricalCrossentropy' },
    fit: { epochs: 3, batchSize: 8, shuffle: true, seed: 3 },
    trainStep: { source, language },
    ...extra,
  };
}

/** Runs a spec expected to fail; returns the error and the run's log lines. */
async function failing(
  spec: unknown,
  {
    userCode = true,
    leftover = 0,
  }: { userCode?: NonNullable<Parameters<typeof train>[1]>['userCode'] | false; leftover?: number } = {},
) {
  const events: RunEventDraft[] = [];
  const before = tf.memory().numTensors;
  const error = await train(spec, { userCode: userCode || undefined, events }).then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e as Error,
  );
  assert.equal(tf.memory().numTensors, before + leftover, 'a failed run frees its tensors');
  const logs = events.flatMap((e) => (e.type === 'log' ? [e.data.message] : []));
  return { error, logs };
}

test("the seed's custom loop as a train_step module trains the seed CNN on MNIST to the built-in fit's losses", async (t) => {
  const builtIn = await train(mnistSpec(320));
  const custom = await train(mnistSpec(320, { train_step: { source: SEED_LOOP, language: 'ts' } }), { userCode: true });
  assert.equal(custom.outcome.status, 'succeeded');
  assert.equal(custom.epochs.length, 2);
  assert.ok(
    custom.logs.includes("training with the run's train_step; evaluating with its test_step"),
    custom.logs.join('\n'),
  );
  let worst = 0;
  for (const [i, epoch] of custom.epochs.entries()) {
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      const [a, b] = [epoch.metrics[key]!, builtIn.epochs[i]!.metrics[key]!];
      assert.ok(Number.isFinite(a), `${key} of epoch ${i + 1}`);
      worst = Math.max(worst, Math.abs(a - b));
      assert.ok(Math.abs(a - b) < 1e-4, `epoch ${i + 1} ${key}: ${a} (train_step) vs ${b} (fit)`);
    }
  }
  // It learned something (so the comparison is not of two untrained models).
  assert.ok(custom.epochs[1]!.metrics.loss! < custom.epochs[0]!.metrics.loss!, 'the loss went down');
  const [a, b] = [
    await savedWeights(custom.store, 'runs/run-1/model'),
    await savedWeights(builtIn.store, 'runs/run-1/model'),
  ];
  assert.equal(a.length, 130_890);
  const maxDiff = a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0); // too many for Math.max(...)
  assert.ok(maxDiff < 1e-4, `final weights differ by ${maxDiff}`);
  t.diagnostic(`largest metric difference ${worst}, largest weight difference ${maxDiff}`);
  await builtIn.cleanup();
  await custom.cleanup();
});

test('a TypeScript step runs with its types stripped, and reports the epoch mean of what it returns', async () => {
  const source = `
import type * as tfjs from '@tensorflow/tfjs';
interface Ctx { model: tfjs.LayersModel; optimizer: tfjs.Optimizer; tf: typeof tfjs; xs: tfjs.Tensor; ys: tfjs.Tensor; batch: number }
export function train_step({ model, optimizer, tf, xs, ys, batch }: Ctx): Record<string, number | tfjs.Tensor> {
  const loss = optimizer.minimize(
    () => tf.mean(tf.metrics.categoricalCrossentropy(ys, model.apply(xs, { training: true }) as tfjs.Tensor)) as tfjs.Scalar,
    true,
    model.trainableWeights.map((w) => w.read() as tfjs.Variable),
  )!;
  return { loss, batch_index: batch };
}`;
  const run = await train(smallSpec(source, {}, 'ts'), { userCode: true });
  assert.equal(run.outcome.status, 'succeeded');
  assert.equal(run.epochs.length, 3);
  // 4 batches of 8: the mean of 0, 1, 2, 3 weighted by size.
  assert.equal(run.epochs[0]!.metrics.batch_index, 1.5);
  assert.ok(run.epochs[2]!.metrics.loss! < run.epochs[0]!.metrics.loss!);
  await run.cleanup();
});

test('callbacks watch what the step returns: EarlyStopping on one of its metrics stops the run', async () => {
  const source = 'export const trainStep = ({ batch }) => ({ loss: 1, batch_index: batch });';
  const spec = smallSpec(source, {
    fit: { epochs: 5, batchSize: 8, seed: 3 },
    callbacks: { early_stopping: { monitor: 'batch_index', mode: 'min', patience: 0 } },
  });
  // The api cannot know the step's metric names beforehand, so it does not refuse the monitor.
  const checked = validateRunSpec(parseRunSpec(spec), { maxParams: 1_000_000 });
  assert.ok(checked.ok, JSON.stringify(!checked.ok && checked.errors));
  const run = await train(spec, { userCode: true });
  // batch_index averages 1.5 every epoch: no improvement after the first, so patience 0 stops after the second.
  assert.equal(run.outcome.status, 'succeeded');
  assert.equal(run.outcome.status === 'succeeded' && run.outcome.stoppedEarly, true);
  assert.equal(run.epochs.length, 2);
  await run.cleanup();
});

test('a step that throws fails the run with its own stack frames in the log, not the worker path', async () => {
  const source = `
export function trainStep({ batch }) {
  if (batch === 2) {
    const table = undefined;
    return table.loss;
  }
  return { loss: 1 };
}`;
  const { error, logs } = await failing(smallSpec(source));
  assert.ok(error instanceof UserCodeError, String(error));
  assert.match(error.message, /^train_step threw: TypeError: .* at trainStep \(train_step\.mjs:5:\d+\)$/);
  const stack = logs.find((l) => l.startsWith('train_step threw'));
  assert.ok(stack, logs.join('\n'));
  assert.match(stack, /\n\s+at trainStep \(train_step\.mjs:5:\d+\)/);
  assert.doesNotMatch(stack, /scratch|\/tmp\/|node_modules|src\/engine/, 'no server paths or Kiln frames');
});

test('TypeScript stack traces point at the lines the user wrote', async () => {
  const source = `type Metrics = { loss: number };


export function trainStep(): Metrics {
  throw new RangeError('bad batch');
}`;
  const { error } = await failing(smallSpec(source, {}, 'ts'));
  assert.match(error.message, /RangeError: bad batch at trainStep \(train_step\.mts:5:\d+\)$/);
});

test('a step that returns nonsense fails the run, saying what it returned', async () => {
  const cases: Array<[string, RegExp]> = [
    [
      'export const trainStep = () => undefined;',
      /train_step returned undefined: return the batch's metrics as an object/,
    ],
    [
      "export const trainStep = () => ({ loss: 'low' });",
      /train_step returned loss: the string "low"; a metric is a number/,
    ],
    ['export const trainStep = ({ tf }) => ({ loss: tf.zeros([2, 2]) });', /loss: a tensor of shape \[2,2\]/],
    ['export const trainStep = ({ tf }) => ({});', /returned an empty object/],
  ];
  for (const [source, message] of cases) {
    const { error } = await failing(smallSpec(source));
    assert.match(error.message, message, source);
  }
});

test('a variable returned as a metric is read, not disposed: the model keeps its weight', async () => {
  // A one-element variable: a model whose output layer has one bias.
  const variableMetric = `
export function trainStep({ model }) { const output = model.layers[model.layers.length - 1]; return { loss: 1, bias: output.weights[1].read() }; }`;
  const spec = smallSpec(variableMetric, {
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 4, activation: 'relu', inputShape: [2] },
        { type: 'Dense', units: 1, activation: 'sigmoid' },
      ],
    },
    dataset: {
      inline: {
        x: [
          [0, 1],
          [1, 0],
          [1, 1],
          [0, 0],
        ],
        y: [[1], [1], [0], [0]],
      },
    },
    compile: { optimizer: 'adam', loss: 'binaryCrossentropy' },
    fit: { epochs: 2, batchSize: 2, seed: 1 },
  });
  const run = await train(spec, { userCode: true });
  assert.equal(run.outcome.status, 'succeeded');
  assert.equal(run.epochs.length, 2);
  assert.ok(Number.isFinite(run.epochs[1]!.metrics.bias));
  await run.cleanup();
});

test('a step that leaves tensors behind fails the run at its first batch, before memory runs out', async () => {
  const source = `export function trainStep({ tf, xs }) { tf.square(xs); return { loss: 0 }; }`;
  // The one tensor it left is the user's; the training process that ran it ends with the run.
  const { error } = await failing(smallSpec(source), { leftover: 1 });
  assert.match(error.message, /train_step left 1 tensor\(s\) undisposed in one batch: run its work inside tf\.tidy/);
});

test('an asynchronous step that never settles fails the run at the step timeout', async () => {
  const started = Date.now();
  const source = `export function trainStep() { return new Promise(() => {}); }`;
  const { error } = await failing(smallSpec(source), { userCode: { stepTimeoutMs: 300 } });
  assert.match(error.message, /train_step did not return within 0\.3 s \(KILN_STEP_TIMEOUT_SECONDS\)/);
  assert.ok(Date.now() - started < 10_000);
});

test('the watchdog is armed for each call of user code and disarmed after it', async () => {
  const calls: Array<number | undefined> = [];
  const run = await train(
    smallSpec('export const trainStep = () => ({ loss: 1 });', { fit: { epochs: 1, batchSize: 8 } }),
    {
      userCode: { stepTimeoutMs: 5000, watchdog: (ms) => calls.push(ms) },
    },
  );
  assert.equal(run.outcome.status, 'succeeded');
  assert.deepEqual(calls, [5000, undefined, 5000, undefined, 5000, undefined, 5000, undefined]);
  await run.cleanup();
});

test('a module that does not load, or exports no step, fails the run naming the problem', async () => {
  const syntax = await failing(smallSpec('export function trainStep( {'));
  assert.match(syntax.error.message, /^the train_step module did not load: SyntaxError/);
  const none = await failing(smallSpec('export const step = () => ({ loss: 1 });'));
  assert.ok(none.error instanceof KilnError && none.error.code === 'invalid_spec');
  assert.match(none.error.message, /exports no trainStep \(or train_step\) function \(exports: step\)/);
});

test('a worker without KILN_ALLOW_USER_CODE refuses a run that carries a step', async () => {
  const { error } = await failing(smallSpec('export const trainStep = () => ({ loss: 1 });'), { userCode: false });
  assert.ok(error instanceof KilnError && error.code === 'invalid_spec');
  assert.match(error.message, /KILN_ALLOW_USER_CODE/);
});

test('a custom-step run interrupted mid-epoch resumes exactly, its running means included', async () => {
  const spec = smallSpec(
    SEED_LOOP,
    { fit: { epochs: 3, batchSize: 8, shuffle: true, seed: 3, validationSplit: 0.25 } },
    'ts',
  );
  const straight = await train(spec, { runId: 'straight', userCode: true });
  const first = await train(spec, { runId: 'resumed', userCode: true, interruptAfterBatches: 4 });
  assert.equal(first.outcome.status, 'interrupted');
  const second = await train(spec, { runId: 'resumed', userCode: true, store: first.store });
  assert.equal(second.outcome.status, 'succeeded');
  const last = (r: typeof straight) => r.epochs.at(-1)!.metrics;
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'])
    assert.ok(Math.abs(last(second)[key]! - last(straight)[key]!) < 1e-6, key);
  const [a, b] = [
    await savedWeights(straight.store, 'runs/straight/model'),
    await savedWeights(second.store, 'runs/resumed/model'),
  ];
  assert.ok(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) < 1e-6);
  await straight.cleanup();
  await first.cleanup();
});

test("a step's own state (getState/setState) is in every checkpoint and comes back on resume", async () => {
  // A module-level counter: a resumed run imports the module afresh, so only setState brings it back.
  const source = `
let steps = 0;
export function trainStep() { steps += 1; return { loss: 1, steps }; }
export const getState = () => ({ steps });
export const setState = (state) => { steps = state.steps; };`;
  const spec = smallSpec(source, { fit: { epochs: 3, batchSize: 8, seed: 3 } });
  const straight = await train(spec, { runId: 'straight', userCode: true });
  // 4 steps an epoch: the third epoch's steps are 9..12, their mean 10.5.
  assert.equal(straight.epochs.at(-1)!.metrics.steps, 10.5);
  const first = await train(spec, { runId: 'resumed', userCode: true, interruptAfterBatches: 5 });
  assert.equal(first.outcome.status, 'interrupted');
  const second = await train(spec, { runId: 'resumed', userCode: true, store: first.store });
  assert.deepEqual(
    second.epochs.map((e) => e.metrics.steps),
    straight.epochs.slice(-second.epochs.length).map((e) => e.metrics.steps),
  );
  await Promise.all([straight.cleanup(), first.cleanup()]);
});

test('state functions come in pairs, and getState returns JSON', async () => {
  const half = await failing(
    smallSpec('export const trainStep = () => ({ loss: 1 }); export const getState = () => 1;'),
  );
  assert.match(half.error.message, /exports both getState\(\) and setState\(state\)/);
  const source =
    'export const trainStep = () => ({ loss: 1 }); export const getState = () => undefined; export const setState = () => {};';
  const bad = await failing(smallSpec(source, { fit: { epochs: 1, batchSize: 8 } }));
  assert.match(bad.error.message, /getState returned undefined: return a JSON value/);
});

test("clipping by hand in a step trains as the built-in fit with Keras' global_clipnorm does", async () => {
  const source = readFileSync(new URL('../../../examples/custom-step/clip-by-hand.ts', import.meta.url), 'utf8');
  const compile = (clip: Record<string, unknown>) => ({
    optimizer: { type: 'adam', learningRate: 0.05, ...clip },
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const builtIn = await train({
    ...smallSpec(source),
    trainStep: undefined,
    compile: compile({ global_clipnorm: 0.1 }),
  });
  const byHand = await train(smallSpec(source, { compile: compile({}) }, 'ts'), { userCode: true });
  // The premise: the norms are above 0.1, so clipping acts.
  assert.ok(
    byHand.epochs.every((e) => e.metrics.grad_norm! > 0.1),
    JSON.stringify(byHand.epochs[0]!.metrics),
  );
  for (const [i, epoch] of byHand.epochs.entries()) {
    for (const key of ['loss', 'accuracy'])
      assert.ok(Math.abs(epoch.metrics[key]! - builtIn.epochs[i]!.metrics[key]!) < 1e-5, `epoch ${i + 1} ${key}`);
  }
  const unclipped = await train({ ...smallSpec(source), trainStep: undefined, compile: compile({}) });
  assert.ok(
    Math.abs(unclipped.epochs[2]!.metrics.loss! - byHand.epochs[2]!.metrics.loss!) > 1e-4,
    'clipping changed the training',
  );
  await Promise.all([builtIn.cleanup(), byHand.cleanup(), unclipped.cleanup()]);
});
