import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { artifactIOHandler } from '../../../src/engine/io/artifact-io-handler.ts';
import { classifierSpec, train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

async function weightsOf(store: Parameters<typeof artifactIOHandler>[0], path: string): Promise<number[]> {
  const model = await tf.loadLayersModel(artifactIOHandler(store, path));
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}

test('a run interrupted mid-epoch and resumed from its checkpoint ends exactly where an uninterrupted run does', async () => {
  // Dropout, shuffling and Adam's slots all have to come back for the weights to match.
  const spec = classifierSpec({}, { epochs: 4 });
  const straight = await train(spec, { runId: 'straight' });
  const first = await train(spec, { runId: 'resumed', interruptAfterBatches: 13 }); // 9 batches per epoch; the signal fires in batch 13 and is seen after batch 14
  assert.equal(first.outcome.status, 'interrupted');
  assert.equal(first.epochs.length, 1);
  const second = await train(spec, { runId: 'resumed', store: first.store });
  assert.equal(second.outcome.status, 'succeeded');
  assert.ok(
    second.logs.some((m) => /resuming from checkpoint at epoch 2, batch 5/.test(m)),
    second.logs.join('\n'),
  );

  assert.deepEqual(
    second.epochs.map((e) => e.epoch),
    [2, 3, 4],
  );
  const a = await weightsOf(straight.store, 'runs/straight/model');
  const b = await weightsOf(second.store, 'runs/resumed/model');
  assert.equal(a.length, b.length);
  const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  assert.ok(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
  for (let i = 0; i < 3; i++) {
    assert.ok(
      Math.abs(second.epochs[i]!.metrics.loss! - straight.epochs[i + 1]!.metrics.loss!) < 1e-5,
      `epoch ${i + 2} loss`,
    );
  }
  await straight.cleanup();
  await first.cleanup();
});

test('no tensors leak across a whole run', async () => {
  const before = tf.memory().numTensors;
  const run = await train(
    classifierSpec(
      { callbacks: { earlyStopping: { patience: 1, restoreBestWeights: true }, tensorBoard: { histogramFreq: 1 } } },
      { epochs: 3 },
    ),
  );
  assert.equal(tf.memory().numTensors, before);
  assert.ok(!run.logs.some((m) => /not freed/.test(m)));
  await run.cleanup();
});
