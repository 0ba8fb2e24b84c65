import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { blobs } from '../helpers/specs.ts';

/** A linear regressor on the blobs' first label column, with the given optimizer and metrics. */
const regressionSpec = (name: string, optimizer: Record<string, unknown>, metrics: string[]) => {
  const { x, y } = blobs(48);
  return {
    name,
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [4] }] },
    dataset: { inline: { x, y: y.map((row) => [row[1]!]) } },
    compile: { optimizer, loss: 'mse', metrics },
    fit: { epochs: 4, batch_size: 16, validation_split: 0.25, seed: 5 },
  };
};

describe('the metrics a run reports, as stored and served', () => {
  const stack = useStack({ database: 'postgresql' });

  test('a diverged loss is reported as null (Keras prints nan), never as 0', async () => {
    // A learning rate this large sends the weights to infinity within a step or two.
    const created = await request(
      stack.api.url,
      'POST',
      '/runs',
      regressionSpec('diverges', { type: 'sgd', learning_rate: 1e30 }, ['mae']),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    const last = run.epochs.at(-1)!.metrics;
    assert.equal(last.loss, null, `the last epoch's loss: ${JSON.stringify(last)}`);
    assert.equal(last.val_loss, null);
    const listed = (await request(stack.api.url, 'GET', '/runs?limit=5')).body.runs.find(
      (r: { id: string }) => r.id === run.id,
    );
    assert.ok(listed.best === null || Number.isFinite(listed.best.value), 'best skips the values that are not numbers');
  });

  test("the best value of an error metric (mae) is its lowest, as the callbacks' mode 'auto' judges it", async () => {
    const created = await request(
      stack.api.url,
      'POST',
      '/runs',
      regressionSpec('mae', { type: 'sgd', learning_rate: 0.05 }, ['mae']),
    );
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded']);
    const valMae = run.epochs.map((e: { metrics: Record<string, number> }) => e.metrics.val_mae!);
    assert.ok(Math.min(...valMae) < Math.max(...valMae), `val_mae changed over the epochs: ${valMae}`);
    assert.deepEqual(run.best, { name: 'val_mae', value: Math.min(...valMae) });
  });
});
