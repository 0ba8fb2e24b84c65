import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

describe('runs, end to end on PostgreSQL with a real worker process', () => {
  const stack = useStack({ database: 'postgresql' });

  test('a submitted run trains to the end, lists every epoch and registers a model', async () => {
    const created = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 3 }));
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'queued');

    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2, 3],
    );
    for (const epoch of run.epochs) {
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'])
        assert.equal(typeof epoch.metrics[key], 'number', key);
      assert.equal(epoch.lr, 0.01);
    }
    assert.ok(run.epochs[2].metrics.loss < run.epochs[0].metrics.loss, 'loss goes down on separable data');
    assert.equal(run.backend, 'wasm');
    assert.ok(run.startedAt && run.finishedAt);
    assert.equal(run.spec.dataset.inline.x.shape.join(), '64,4');

    const model = await request(stack.api.url, 'GET', `/models/${run.modelId}`);
    assert.equal(model.status, 200);
    assert.equal(model.body.runId, run.id);
    assert.equal(model.body.name, 'blobs');
    assert.deepEqual(model.body.files.sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(model.body.signature.outputs[0].shape, [null, 2]);
  });

  test('runs are listed newest first, filtered by status, a page at a time', async () => {
    const second = await request(stack.api.url, 'POST', '/runs', { ...denseRunSpec({ epochs: 1 }), name: 'second' });
    await waitForRun(stack.api.url, second.body.id, ['succeeded']);
    const page1 = await request(stack.api.url, 'GET', '/runs?limit=1&status=succeeded');
    assert.equal(page1.body.runs.length, 1);
    assert.equal(page1.body.runs[0].id, second.body.id);
    const page2 = await request(stack.api.url, 'GET', `/runs?limit=1&status=succeeded&cursor=${page1.body.nextCursor}`);
    assert.equal(page2.body.runs.length, 1);
    assert.notEqual(page2.body.runs[0].id, second.body.id);
    // Each entry carries what a runs table shows, so it needs no request per run: the dataset
    // (null for inline data) and the best value of the metric the run is judged by.
    const first = (await request(stack.api.url, 'GET', `/runs/${page2.body.runs[0].id}`)).body;
    const valAccuracy = first.epochs.map((e: { metrics: Record<string, number> }) => e.metrics.val_accuracy);
    assert.deepEqual(page2.body.runs[0].best, { name: 'val_accuracy', value: Math.max(...valAccuracy) });
    assert.deepEqual(first.best, page2.body.runs[0].best);
    assert.equal(page2.body.runs[0].datasetId, null);
    const none = await request(stack.api.url, 'GET', '/runs?status=running');
    assert.deepEqual(none.body.runs, []);
  });

  test('cancelling a running run stops it within a batch; cancelling a queued one removes its job', async () => {
    const long = await request(
      stack.api.url,
      'POST',
      '/runs',
      denseRunSpec({ epochs: 400, samples: 256, batchSize: 8, units: 64 }),
    );
    const queued = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 1 }));
    await waitFor(
      async () => (await request(stack.api.url, 'GET', `/runs/${long.body.id}`)).body.epochs.length >= 1,
      60_000,
      'first epoch',
    );

    const cancelQueued = await request(stack.api.url, 'POST', `/runs/${queued.body.id}/cancel`);
    assert.equal(cancelQueued.status, 202);
    assert.equal(cancelQueued.body.status, 'canceled');
    assert.equal((await request(stack.api.url, 'GET', `/runs/${queued.body.id}`)).body.status, 'canceled');

    const cancel = await request(stack.api.url, 'POST', `/runs/${long.body.id}/cancel`);
    assert.equal(cancel.status, 202);
    const run = await waitForRun(stack.api.url, long.body.id, ['canceled', 'succeeded', 'failed'], 30_000);
    assert.equal(run.status, 'canceled');
    assert.ok(run.epochs.length < 400);
    assert.equal(run.modelId, null);

    const again = await request(stack.api.url, 'POST', `/runs/${long.body.id}/cancel`);
    assert.equal(again.status, 409);
  });

  test('deleting a finished run removes it and its artifacts; an active one is refused', async () => {
    const created = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 1 }));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded']);
    const { existsSync } = await import('node:fs');
    const dir = `${stack.env.dataDir}/artifacts/runs/${run.id}`;
    assert.ok(existsSync(dir));
    assert.equal((await request(stack.api.url, 'DELETE', `/runs/${run.id}`)).status, 204);
    assert.equal((await request(stack.api.url, 'GET', `/runs/${run.id}`)).status, 404);
    assert.equal((await request(stack.api.url, 'GET', `/models/${run.modelId}`)).status, 404);
    assert.ok(!existsSync(dir));

    const busy = await request(
      stack.api.url,
      'POST',
      '/runs',
      denseRunSpec({ epochs: 300, samples: 256, batchSize: 8 }),
    );
    const refused = await request(stack.api.url, 'DELETE', `/runs/${busy.body.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /cancel it/);
    await request(stack.api.url, 'POST', `/runs/${busy.body.id}/cancel`);
    await waitForRun(stack.api.url, busy.body.id, ['canceled'], 30_000);
  });

  test('unknown ids answer 404 with the JSON error body', async () => {
    for (const [method, path] of [
      ['GET', '/runs/nope'],
      ['POST', '/runs/nope/cancel'],
      ['DELETE', '/runs/nope'],
      ['GET', '/models/nope'],
    ] as const) {
      const res = await request(stack.api.url, method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'not_found');
      assert.match(res.body.error.message, /nope/);
    }
  });
});
