import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { readEventFile } from '../../../src/engine/tensorboard/event-file-reader.ts';
import { artifactIOHandler } from '../../../src/engine/io/artifact-io-handler.ts';
import { classifierSpec, divergingData, train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

/** val_loss of a saved model on the designed validation split. */
async function valLossOf(store: Parameters<typeof artifactIOHandler>[0], path: string): Promise<number> {
  const model = await tf.loadLayersModel(artifactIOHandler(store, path));
  const { x, y } = divergingData();
  const xs = tf.tensor(x.slice(72));
  const ys = tf.tensor(y.slice(72));
  const loss = tf.tidy(
    () =>
      tf.metrics
        .categoricalCrossentropy(ys, model.predict(xs) as tf.Tensor)
        .mean()
        .dataSync()[0]!,
  );
  tf.dispose([xs, ys]);
  model.dispose();
  return loss;
}

describe('Keras callbacks on designed data', () => {
  test('earlyStopping stops when val_loss stops improving and restores the best weights', async () => {
    const run = await train(
      classifierSpec({ callbacks: { earlyStopping: { monitor: 'val_loss', patience: 2, restoreBestWeights: true } } }),
    );
    assert.equal(run.outcome.status, 'succeeded');
    const valLosses = run.epochs.map((e) => e.metrics.val_loss!);
    const best = Math.min(...valLosses);
    const bestEpoch = valLosses.indexOf(best);
    assert.ok(run.epochs.length < 8, `stopped early (ran ${run.epochs.length} of 8)`);
    assert.equal(run.epochs.length, bestEpoch + 1 + 2, 'stopped after `patience` epochs without improvement');
    assert.ok(run.logs.some((m) => /restored the weights of epoch/.test(m)));
    assert.ok(run.outcome.status === 'succeeded' && run.outcome.stoppedEarly);
    // The saved model is the best epoch's, not the last one's.
    const saved = await valLossOf(run.store, (run.outcome as { model: { path: string } }).model.path);
    assert.ok(
      Math.abs(saved - best) < 1e-4,
      `saved model val_loss ${saved} vs best ${best} (last ${valLosses.at(-1)})`,
    );
    await run.cleanup();
  });

  test('reduceLROnPlateau lowers the rate, and the next epochs train at the new rate', async () => {
    const run = await train(
      classifierSpec(
        { callbacks: { reduceLROnPlateau: { monitor: 'loss', factor: 0.5, patience: 1, minDelta: 100, minLr: 0.01 } } },
        { epochs: 5 },
      ),
    );
    // Epoch 1 sets the best; every later epoch fails to beat it by minDelta: halve, halve, then the floor.
    assert.deepEqual(
      run.epochs.map((e) => e.lr),
      [0.05, 0.05, 0.025, 0.0125, 0.01],
    );
    assert.ok(run.logs.some((m) => /reducing learning rate to 0.025 after epoch 2/.test(m)));
    await run.cleanup();
  });

  test('modelCheckpoint with saveBestOnly keeps the best epoch', async () => {
    const run = await train(
      classifierSpec({ callbacks: { modelCheckpoint: { monitor: 'val_loss', saveBestOnly: true } } }, { epochs: 5 }),
    );
    const best = run.events
      .filter((e) => e.type === 'checkpoint' && (e.data as { kind: string }).kind === 'best')
      .map((e) => e.data as { epoch: number; value: number; path: string });
    const valLosses = run.epochs.map((e) => e.metrics.val_loss!);
    const bestEpoch = valLosses.indexOf(Math.min(...valLosses)) + 1;
    assert.equal(best.at(-1)!.epoch, bestEpoch);
    // Each save was an improvement over the one before.
    for (let i = 1; i < best.length; i++) assert.ok(best[i]!.value < best[i - 1]!.value);
    const pointer = JSON.parse((await run.store.get('runs/run-1/checkpoints/best.json')).toString());
    assert.equal(pointer.dir, best.at(-1)!.path);
    const saved = await valLossOf(run.store, pointer.dir);
    assert.ok(Math.abs(saved - Math.min(...valLosses)) < 1e-4);
    await run.cleanup();
  });

  test('tensorBoard writes event files TensorBoard reads: epoch scalars for train and validation, histograms', async () => {
    const run = await train(
      classifierSpec({ callbacks: { tensorBoard: { histogramFreq: 1, updateFreq: 3 } } }, { epochs: 3 }),
    );
    const files = await run.store.list('runs/run-1/tensorboard');
    const trainFile = files.find((f) => f.includes('/train/events.out.tfevents.'));
    const valFile = files.find((f) => f.includes('/validation/events.out.tfevents.'));
    assert.ok(trainFile && valFile, files.join(', '));
    const trainEvents = await readEventFile(`${run.store.root}/${trainFile}`);
    const valEvents = await readEventFile(`${run.store.root}/${valFile}`);
    assert.equal(trainEvents[0]!.fileVersion, 'brain.Event:2');
    const scalars = (events: typeof trainEvents, tag: string) =>
      events.flatMap((e) =>
        (e.summary?.values ?? []).filter((v) => v.tag === tag).map((v) => ({ step: e.step, value: v.simpleValue! })),
      );
    const loss = scalars(trainEvents, 'epoch_loss');
    assert.deepEqual(
      loss.map((s) => s.step),
      [0, 1, 2],
    );
    loss.forEach((s, i) => assert.ok(Math.abs(s.value - run.epochs[i]!.metrics.loss!) < 1e-6));
    const valLoss = scalars(valEvents, 'epoch_loss');
    valLoss.forEach((s, i) => assert.ok(Math.abs(s.value - run.epochs[i]!.metrics.val_loss!) < 1e-6));
    assert.equal(scalars(trainEvents, 'epoch_learning_rate').length, 3);
    assert.ok(scalars(trainEvents, 'batch_loss').length >= 5, 'batch scalars every 3 batches');
    const histograms = trainEvents.flatMap((e) => (e.summary?.values ?? []).filter((v) => v.histo));
    assert.ok(histograms.length >= 3 * 4, 'kernel and bias of both Dense layers, every epoch');
    assert.ok(histograms.every((h) => h.histo!.num === h.histo!.bucket.reduce((a, b) => a + b, 0)));
    await run.cleanup();
  });
});
