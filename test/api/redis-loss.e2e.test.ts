import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestEnvironment } from '../helpers/environment.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { PrivateRedis } from '../helpers/private-redis.ts';
import { startApi, startWorker } from '../helpers/processes.ts';
import { denseRunSpec } from '../helpers/specs.ts';

/** A run's whole event history over SSE (the server ends the stream after the final status). */
async function history(
  url: string,
  runId: string,
): Promise<{ seq: number; type: string; data: Record<string, unknown> }[]> {
  const res = await fetch(`${url}/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
  return (await res.text())
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map((block) => JSON.parse(/data: (.*)/.exec(block)![1]!));
}

describe('Redis restarted without its data while a run trains', () => {
  test('the run keeps every event under fresh seqs, the next run is stored without an api restart, /readyz tells of the outage', async () => {
    const redis = await new PrivateRedis().start();
    const env = await createTestEnvironment({ env: { REDIS_URL: redis.url } });
    const api = await startApi(env.config);
    const worker = await startWorker(env.env);
    try {
      const epochs = 12;
      const created = await request(
        api.url,
        'POST',
        '/runs',
        denseRunSpec({ name: 'through', epochs, samples: 1024, batchSize: 1 }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      await waitFor(
        async () => (await request(api.url, 'GET', `/runs/${id}`)).body.epochs?.length >= 2,
        120_000,
        'two stored epochs',
      );
      const before = await history(api.url, id).catch(() => []);

      await redis.kill();
      const down = await waitFor(
        async () => {
          const ready = await request(api.url, 'GET', '/readyz');
          return ready.status === 503 ? ready.body : undefined;
        },
        20_000,
        '/readyz to answer 503',
      );
      assert.match(down.checks.redis, /^error/);
      await redis.start(); // the same port, empty

      const run = await waitForRun(api.url, id, ['succeeded', 'failed', 'canceled'], 180_000);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
      assert.equal(run.attempt, 1, 'trained once, by the worker that held it (not queued again)');
      assert.deepEqual(
        run.epochs.map((e: { epoch: number }) => e.epoch),
        Array.from({ length: epochs }, (_, i) => i + 1),
      );
      const after = await history(api.url, id);
      const seqs = after.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
        'seq 1…n, each once',
      );
      for (const event of before)
        assert.deepEqual(after[event.seq - 1], event, `event ${event.seq} kept as it was stored`);
      assert.ok(!after.some((e) => e.type === 'status' && e.data.status === 'failed'), 'never marked failed or lost');

      // The api stores the next run's events without a restart.
      const next = await request(api.url, 'POST', '/runs', denseRunSpec({ name: 'next', epochs: 2 }));
      assert.equal(next.status, 201, JSON.stringify(next.body));
      const nextRun = await waitForRun(api.url, next.body.id, ['succeeded', 'failed', 'canceled'], 120_000);
      assert.equal(nextRun.status, 'succeeded', JSON.stringify(nextRun.error));
      assert.deepEqual(
        nextRun.epochs.map((e: { epoch: number }) => e.epoch),
        [1, 2],
      );
      assert.equal((await request(api.url, 'GET', '/readyz')).status, 200);
    } finally {
      await worker.stop();
      await api.close();
      await redis.kill();
      await env.cleanup();
    }
  });
});
