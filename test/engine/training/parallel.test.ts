// Data-parallel training (KILN_TRAINING_THREADS): two replicas must train the same model as one,
// step for step, and leave no thread behind.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { artifactIOHandler } from '../../../src/engine/io/artifact-io-handler.ts';
import { buildModel } from '../../../src/engine/model/index.ts';
import type { BatchSource } from '../../../src/engine/training/batch-source.ts';
import { tensorDataSource } from '../../../src/engine/training/batch-source.ts';
import { fit } from '../../../src/engine/training/fit.ts';
import { resolveHeads } from '../../../src/engine/training/heads.ts';
import { parallelTrainStep } from '../../../src/engine/training/parallel/parallel-step.ts';
import { liveReplicaThreads } from '../../../src/engine/training/parallel/replica-thread.ts';
import type { ShardPlanner } from '../../../src/engine/training/parallel/shard-balancer.ts';
import { shardRowsByWeight } from '../../../src/engine/training/parallel/shards.ts';
import { tensorDataFromJson } from '../../../src/engine/training/tensor-data.ts';
import { localTrainStep } from '../../../src/engine/training/train-step.ts';
import { train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

/** Deterministic pseudo-random numbers in [0, 1). */
function sequence(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** `n` samples of `features` values with a label (one of 3) that depends on them. */
function denseData(n: number) {
  const random = sequence(11);
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => random() * 2 - 1));
  const y = x.map((row) => [0, 1, 2].map((k) => (k === (row[0]! + row[1]! > 0.3 ? 0 : row[2]! > 0 ? 1 : 2) ? 1 : 0)));
  return { x, y };
}

/** 8×8 one-channel images whose class is the quadrant holding a bright square. */
function imageData(n: number) {
  const random = sequence(7);
  const x = Array.from({ length: n }, (_, i) =>
    Array.from({ length: 8 }, (_, r) =>
      Array.from({ length: 8 }, (_, c) => [
        (Math.floor(r / 4) * 2 + Math.floor(c / 4)) % 3 === i % 3 ? 0.8 + random() * 0.2 : random() * 0.3,
      ]),
    ),
  );
  const y = x.map((_, i) => [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)));
  return { x, y };
}

// 45 training rows in batches of 16: 16, 16 and a short 13 (split 7 + 6 over two replicas).
const denseSpec = {
  model: {
    type: 'sequential',
    layers: [
      { type: 'Dense', units: 12, activation: 'relu', inputShape: [4], kernelRegularizer: 'l2' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  dataset: { inline: denseData(45) },
  compile: {
    optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 3, batchSize: 16, shuffle: true, seed: 5, classWeight: { 0: 1, 1: 2, 2: 0.5 } },
};

// 25 rows in batches of 10: 10, 10 and a short 5 (3 + 2).
const cnnSpec = {
  model: {
    type: 'sequential',
    layers: [
      { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] },
      { type: 'MaxPooling2D', poolSize: 2 },
      { type: 'Conv2D', filters: 6, kernelSize: 2, activation: 'relu' },
      { type: 'Flatten' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  dataset: { inline: imageData(25) },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
  fit: { epochs: 3, batchSize: 10, shuffle: true, seed: 9 },
};

// Two outputs with their own losses, loss weights and metrics, and a Kiln layer; 30 rows in batches of 8: 8, 8, 8, 6.
const twoHeadSpec = (() => {
  const x = Array.from({ length: 30 }, (_, i) => [i / 30, (i % 4) / 4]);
  return {
    model: {
      type: 'functional',
      inputs: [{ name: 'features', shape: [2] }],
      layers: [
        { name: 'hidden', type: 'Dense', units: 8, inputs: ['features'] },
        // A Kiln layer class (KerasReLU): replica threads must know it to rebuild the model.
        { name: 'leaky', type: 'ReLU', negativeSlope: 0.1, inputs: ['hidden'] },
        { name: 'category', type: 'Dense', units: 2, activation: 'softmax', inputs: ['leaky'] },
        { name: 'price', type: 'Dense', units: 1, inputs: ['leaky'] },
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
    fit: { epochs: 3, batchSize: 8, shuffle: true, seed: 1 },
  };
})();

async function weightsOf(store: Parameters<typeof artifactIOHandler>[0], path: string): Promise<number[]> {
  const model = await tf.loadLayersModel(artifactIOHandler(store, path));
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}

/** Asserts two lists agree to 1e-4 relative (with a floor for values near zero). */
function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= 1e-4 * Math.max(Math.abs(a), Math.abs(e), 1e-2), `${what}[${i}]: ${a} vs ${e}`);
  });
}

const batchLosses = (run: Awaited<ReturnType<typeof train>>) =>
  run.events.flatMap((e) => (e.type === 'batch' ? [e.data.metrics.loss!] : []));

const equivalenceCases = [
  ['dense model with L2, class weights and momentum', denseSpec, 2],
  ['small CNN with Adam', cnnSpec, 2],
  ['two-output model with loss weights and a Kiln layer', twoHeadSpec, 2],
  // Batches of 22, 22 and 1: the one-row batch leaves two of the three replicas without a shard.
  // Clipping and weight decay act on the averaged gradients (the optimizer's), as with one replica.
  [
    'dense model with global_clipnorm and weight_decay',
    {
      ...denseSpec,
      compile: {
        ...denseSpec.compile,
        optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9, global_clipnorm: 0.2, weight_decay: 0.05 },
      },
    },
    2,
  ],
  ['dense model in batches of 22', { ...denseSpec, fit: { ...denseSpec.fit, batchSize: 22 } }, 3],
] as const;

/** Trains `spec` with one replica and with `replicas`, and asserts the same losses, metrics and final weights. */
async function assertTrainsAsOne(spec: unknown, replicas: number): Promise<void> {
  const one = await train(spec, { runId: 'one', replicas: 1 });
  const two = await train(spec, { runId: 'two', replicas });
  assert.equal(two.outcome.status, 'succeeded', two.logs.join('\n'));
  assert.equal(liveReplicaThreads(), 0);
  assert.equal(batchLosses(two).length, one.events.filter((e) => e.type === 'batch').length);
  assertClose(batchLosses(two), batchLosses(one), 'running loss per batch');
  for (const key of Object.keys(one.epochs[0]!.metrics)) {
    assertClose(
      two.epochs.map((e) => e.metrics[key]!),
      one.epochs.map((e) => e.metrics[key]!),
      `${key} per epoch`,
    );
  }
  assertClose(
    await weightsOf(two.store, 'runs/two/model'),
    await weightsOf(one.store, 'runs/one/model'),
    'final weights',
  );
  // Training must actually have moved: equal results from untouched weights would prove nothing.
  assert.ok(one.epochs.at(-1)!.metrics.loss! < one.epochs[0]!.metrics.loss!, 'loss went down');
  await one.cleanup();
  await two.cleanup();
}

for (const [name, spec, replicas] of equivalenceCases) {
  test(`${replicas} replicas train the ${name} as 1 does: same losses, metrics and final weights`, () =>
    assertTrainsAsOne(spec, replicas));
}

test('on the cpu backend too, 2 replicas train the dense model as 1 does', async () => {
  // The exchange reads tensors differently per backend: views of the heap on wasm, dataSync elsewhere.
  await initBackend('cpu');
  try {
    await assertTrainsAsOne(denseSpec, 2);
  } finally {
    await initBackend('wasm');
  }
});

test('a 2-replica run interrupted mid-epoch resumes from its checkpoint and ends where a 1-replica run does', async () => {
  const straight = await train(cnnSpec, { runId: 'straight', replicas: 1 });
  const first = await train(cnnSpec, { runId: 'resumed', replicas: 2, interruptAfterBatches: 4 });
  assert.equal(first.outcome.status, 'interrupted');
  assert.equal(liveReplicaThreads(), 0, 'threads stopped at the interrupt');
  const second = await train(cnnSpec, { runId: 'resumed', replicas: 2, store: first.store });
  assert.equal(second.outcome.status, 'succeeded', second.logs.join('\n'));
  assert.ok(
    second.logs.some((m) => /resuming from checkpoint at epoch 2, batch 2/.test(m)),
    second.logs.join('\n'),
  );
  assertClose(
    await weightsOf(second.store, 'runs/resumed/model'),
    await weightsOf(straight.store, 'runs/straight/model'),
    'final weights',
  );
  assert.equal(liveReplicaThreads(), 0);
  await straight.cleanup();
  await first.cleanup();
});

test('replica threads are stopped when training fails mid-run', async () => {
  const model = buildModel(cnnSpec.model, { seed: 1 });
  const heads = resolveHeads(model.outputNames, cnnSpec.compile as never);
  const optimizer = tf.train.sgd(0.05);
  const data = imageData(25);
  const source = tensorDataSource(tensorDataFromJson(data.x, data.y, model.inputNames, model.outputNames));
  // Forced failure: the data source breaks after its first batch.
  const failing: BatchSource = {
    size: source.size,
    async *batches(request) {
      for await (const batch of source.batches(request)) {
        yield batch;
        throw new Error('disk gone');
      }
    },
    dispose: () => source.dispose(),
  };
  const tensorsBefore = tf.memory().numTensors;
  await assert.rejects(
    fit(model, optimizer, heads, failing, undefined, {
      epochs: 1,
      batchSize: 10,
      shuffle: false,
      seed: 1,
      callbacks: [],
      replicas: 2,
    }),
    /disk gone/,
  );
  assert.equal(liveReplicaThreads(), 0);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leaked by the parallel step');
  source.dispose();
  optimizer.dispose();
  model.dispose();
});

test("with BatchNormalization, the replicas' moving means merge into the full batch's", async () => {
  // Each replica normalises by its own shard's statistics, so only the first step's moving mean (from
  // identical weights) can be compared exactly: momentum·old + (1 − momentum)·batch mean either way.
  const spec = {
    ...denseSpec,
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 6, inputShape: [4] },
        { type: 'BatchNormalization', momentum: 0.5 },
        { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    fit: { epochs: 1, batchSize: 45, shuffle: false, seed: 5 },
  };
  const one = await train(spec, { runId: 'one', replicas: 1 });
  const two = await train(spec, { runId: 'two', replicas: 2 });
  assert.equal(two.outcome.status, 'succeeded', two.logs.join('\n'));
  const movingMean = async (run: typeof one, id: string) => {
    const model = await tf.loadLayersModel(artifactIOHandler(run.store, `runs/${id}/model`));
    const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    const values = Array.from(
      bn.weights
        .find((w) => /moving_mean/.test(w.name))!
        .read()
        .dataSync(),
    );
    model.dispose();
    return values;
  };
  const expected = await movingMean(one, 'one');
  assert.ok(
    expected.some((v) => Math.abs(v) > 1e-3),
    'the step moved the moving mean',
  );
  assertClose(await movingMean(two, 'two'), expected, 'moving mean');
  await one.cleanup();
  await two.cleanup();
});

test('however the batches are split over the replicas, steps match one replica: uneven and changing splits', async () => {
  // Balancing by speed moves rows between replicas from step to step; the update must not depend on it.
  const data = imageData(24);
  const xs = tf.tensor4d(data.x.flat(3), [24, 8, 8, 1]);
  const ys = tf.tensor2d(data.y);
  const build = () => buildModel(cnnSpec.model, { seed: 3 });
  const [single, split] = [build(), build()];
  const heads = resolveHeads(single.outputNames, cnnSpec.compile as never);
  const [optSingle, optSplit] = [tf.train.adam(0.01), tf.train.adam(0.01)];
  const splits = [
    [5, 1],
    [1, 5],
    [1, 1],
    [1, 100],
  ];
  const planned: number[][] = [];
  let step = 0;
  const planner: ShardPlanner = {
    split: (rows) => {
      const shards = shardRowsByWeight(rows, splits[step++ % splits.length]!);
      planned.push(shards.map((s) => s.rows));
      return shards;
    },
    record() {},
  };
  const one = localTrainStep(single, optSingle, heads);
  const two = await parallelTrainStep(split, optSplit, heads, { replicas: 2, planner });
  try {
    for (let k = 0; k < 4; k++) {
      const [a, b] = [await one.run([xs], [ys], 24), await two.run([xs], [ys], 24)];
      assertClose([b.loss], [a.loss], `loss at step ${k}`);
      assertClose(Array.from(b.preds[0]!.dataSync()), Array.from(a.preds[0]!.dataSync()), `predictions at step ${k}`);
      tf.dispose([...a.preds, ...b.preds]);
    }
    assert.deepEqual(planned, [
      [20, 4],
      [4, 20],
      [12, 12],
      [1, 23],
    ]);
    const weights = (m: tf.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    assertClose(weights(split), weights(single), 'weights after 4 steps');
    assert.notDeepEqual(weights(single), weights(build()), 'training moved the weights');
  } finally {
    await two.close();
    tf.dispose([xs, ys]);
    [single, split].forEach((m) => m.dispose());
    [optSingle, optSplit].forEach((o) => o.dispose());
  }
  assert.equal(liveReplicaThreads(), 0);
});

test("sample weights ride with their rows to the replicas: a 2-replica step with per-row weights matches one replica's", async () => {
  const data = imageData(24);
  const xs = tf.tensor4d(data.x.flat(3), [24, 8, 8, 1]);
  const ys = tf.tensor2d(data.y);
  // Uneven weights, so a replica given another row's weight would change the step.
  const weights = tf.tensor1d(Array.from({ length: 24 }, (_, i) => (i % 5) / 2));
  const build = () => buildModel(cnnSpec.model, { seed: 3 });
  const [single, split, plain] = [build(), build(), build()];
  const heads = resolveHeads(single.outputNames, cnnSpec.compile as never);
  const planner: ShardPlanner = { split: (rows) => shardRowsByWeight(rows, [2, 1]), record() {} };
  const one = localTrainStep(single, tf.train.adam(0.01), heads);
  const two = await parallelTrainStep(split, tf.train.adam(0.01), heads, { replicas: 2, planner });
  const unweighted = localTrainStep(plain, tf.train.adam(0.01), heads);
  try {
    for (let k = 0; k < 3; k++) {
      const [a, b, c] = [
        await one.run([xs], [ys, weights], 24),
        await two.run([xs], [ys, weights], 24),
        await unweighted.run([xs], [ys], 24),
      ];
      assertClose([b.loss], [a.loss], `loss at step ${k}`);
      assert.ok(Math.abs(a.loss - c.loss) > 1e-4, `the weights change the loss (${a.loss} vs ${c.loss})`);
      tf.dispose([...a.preds, ...b.preds, ...c.preds]);
    }
    const values = (m: tf.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    assertClose(values(split), values(single), 'weights after 3 steps');
  } finally {
    await two.close();
    tf.dispose([xs, ys, weights]);
    [single, split, plain].forEach((m) => m.dispose());
  }
});
