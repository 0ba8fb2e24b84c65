import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES, type TrainJobPayload, type TrainJobResult } from '../../src/queue/contracts.ts';
import { inProcessApi } from '../helpers/app.ts';
import { waitFor } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

describe('the reconciler: no run stays queued or running once its job has ended or vanished', () => {
  const api = inProcessApi({ env: { KILN_RECONCILE_INTERVAL_MS: '300' } });
  const connections: Redis[] = [];
  after(async () => {
    for (const c of connections) await c.quit();
  });

  const submit = async (name: string) => {
    const res = await api.app.inject({ method: 'POST', url: '/runs', payload: denseRunSpec({ name, epochs: 1 }) });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const run = async (id: string) => (await api.app.inject({ method: 'GET', url: `/runs/${id}` })).json();
  const statusEvents = async (id: string) =>
    (await api.app.repos.runEvents.list(id, { after: 0, limit: 1000 })).flatMap((e) =>
      e.type === 'status' ? [e.data] : [],
    );

  /**
   * A worker that finishes jobs without publishing their final event: what the api sees when that event
   * was lost (no real worker loses it any more, so it is forced here).
   */
  const silentWorker = (processor: (job: { data: TrainJobPayload }) => Promise<TrainJobResult>) => {
    const connection = new Redis(api.env.config.REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(connection);
    const worker = new Worker<TrainJobPayload, TrainJobResult>(QUEUES.training, processor, {
      connection,
      prefix: api.app.redisKeys.bullPrefix,
      autorun: true,
    });
    return worker;
  };

  test("a job that completed but whose final event never arrived: the run is settled from the job's result", async () => {
    const id = await submit('settled');
    const worker = silentWorker(async (job) => ({
      status: 'succeeded',
      epochs: 1,
      stoppedEarly: false,
      model: {
        path: `runs/${job.data.runId}/model`,
        signature: {
          inputs: [{ name: 'x', shape: [null, 4], dtype: 'float32' }],
          outputs: [{ name: 'y', shape: [null, 2], dtype: 'float32' }],
        },
      },
    }));
    try {
      const settled = await waitFor(
        async () => ((await run(id)).status === 'succeeded' ? run(id) : undefined),
        20_000,
        'the run settled',
      );
      assert.ok(settled.modelId, 'its model is registered from the result');
    } finally {
      await worker.close();
    }
  });

  test('a job that failed without a final event: the run fails with the reason', async () => {
    const id = await submit('failing');
    const worker = silentWorker(async () => {
      throw new UnrecoverableError('out of memory');
    });
    try {
      const failed = await waitFor(
        async () => ((await run(id)).status === 'failed' ? run(id) : undefined),
        20_000,
        'the run failed',
      );
      assert.equal(failed.error.code, 'worker_lost');
      assert.match(failed.error.message, /out of memory/);
    } finally {
      await worker.close();
    }
  });

  test('a job that vanished (Redis lost it) of a run no worker holds: the run is queued again from its spec', async () => {
    const id = await submit('vanished');
    await (await api.app.trainingQueue.getJob(id))!.remove();
    const requeued = await waitFor(
      async () => (await statusEvents(id)).find((s) => s.status === 'queued' && s.reason?.includes('lost')),
      20_000,
      'the run queued again',
    );
    assert.ok(requeued);
    const job = await api.app.trainingQueue.getJob(id);
    assert.ok(job, 'its job is back');
    assert.equal(job.data.spec.name, 'vanished');
    assert.equal((await run(id)).status, 'queued');
    await job.remove();
  });

  test('a job that vanished while a worker still holds the run is left alone', async () => {
    const id = await submit('held');
    await api.app.redis.set(api.app.redisKeys.runOwner(id), 'a-worker', 'PX', 60_000);
    await (await api.app.trainingQueue.getJob(id))!.remove();
    // Ten reconciliations go by.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(
      (await statusEvents(id)).map((s) => s.status),
      ['queued'],
    );
    assert.equal(await api.app.trainingQueue.getJob(id), undefined);
  });
});
