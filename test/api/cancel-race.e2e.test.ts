import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { inProcessApi } from '../helpers/app.ts';
import { QUEUES } from '../../src/queue/contracts.ts';
import { denseRunSpec } from '../helpers/specs.ts';

const api = inProcessApi();

test('a cancel that arrives after the worker finished, before its final status is stored, does not overwrite it', async () => {
  const created = await api.app.inject({ method: 'POST', url: '/runs', payload: denseRunSpec({ epochs: 1 }) });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  // The moment a real worker has returned from the job and its `succeeded` event is still in flight:
  // only a worker that finishes the job without publishing anything holds the run there to look at.
  const connection = new Redis(api.env.config.REDIS_URL, { maxRetriesPerRequest: null });
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(QUEUES.training, async () => undefined, {
      connection,
      prefix: api.env.config.KILN_QUEUE_PREFIX,
    });
    worker.on('completed', () => void worker.close().then(resolve));
  });
  await finished;
  await connection.quit();

  const cancel = await api.app.inject({ method: 'POST', url: `/runs/${id}/cancel` });
  assert.equal(cancel.statusCode, 409, cancel.body);
  assert.match(cancel.json().error.message, /has just ended/);
  assert.notEqual(
    (await api.app.inject({ method: 'GET', url: `/runs/${id}` })).json().status,
    'canceled',
    'no canceled was recorded over the coming result',
  );
});
