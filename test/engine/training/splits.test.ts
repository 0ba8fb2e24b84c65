import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { heldOutRows, splitCounts } from '../../../src/domain/run-spec/splits.ts';
import {
  disposeTensorData,
  splitTest,
  splitValidation,
  type TensorData,
} from '../../../src/engine/training/tensor-data.ts';
import { train } from './helpers.ts';

before(async () => {
  await initBackend('wasm');
});

/** Keras: split_at = int(n * (1 - validation_split)); the rows from split_at on are held out. */
const keras = (n: number, split: number) => n - Math.floor(n * (1 - split));

test("held-out rows are Keras' count, not floor(n * split)", () => {
  assert.equal(heldOutRows(4, 0.2), 1); // floor(4 * 0.2) = 0 held out no validation at all
  assert.equal(heldOutRows(10, 0.25), 3); // floor gave 2
  assert.equal(heldOutRows(10, 0), 0);
  for (let n = 1; n <= 50; n++)
    for (const split of [0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.7, 0.9])
      assert.equal(heldOutRows(n, split), keras(n, split), `${n} × ${split}`);
  // The test split first, from all rows; validation from the rest.
  assert.deepEqual(splitCounts(4, 0.75, 0.5), { train: 0, validation: 1, test: 3 });
  assert.deepEqual(splitCounts(10, 0.2, 0.25), { train: 6, validation: 2, test: 2 });
});

test('the worker holds out the last rows, as many as Keras', () => {
  const data: TensorData = { xs: [tf.range(0, 10).reshape([10, 1])], ys: [tf.range(0, 10)], size: 10 };
  const { train: rows, validation } = splitValidation(data, 0.25);
  assert.equal(rows.size, 7);
  assert.deepEqual(Array.from(validation!.ys[0]!.dataSync()), [7, 8, 9]);
  const { rest, test: held } = splitTest(data, 0.2);
  assert.deepEqual([rest.size, held!.size], [8, 2]);
  assert.deepEqual(Array.from(held!.ys[0]!.dataSync()), [8, 9]);
  for (const d of [data, rows, validation, rest, held]) disposeTensorData(d);
});

test('4 rows with validation_split 0.2 train on 3 and report val_loss', async () => {
  const run = await train({
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, activation: 'sigmoid', inputShape: [2] }] },
    dataset: {
      inline: {
        x: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [[0], [1], [1], [0]],
      },
    },
    compile: { optimizer: 'adam', loss: 'binary_crossentropy' },
    fit: { epochs: 1, batch_size: 4, validation_split: 0.2, seed: 1 },
  });
  try {
    assert.equal(run.outcome.status, 'succeeded');
    assert.equal(typeof run.epochs[0]!.metrics.val_loss, 'number');
  } finally {
    await run.cleanup();
  }
});
