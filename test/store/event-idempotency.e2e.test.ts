import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request, waitFor } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { EventPublisher } from '../../src/queue/event-publisher.ts';
import { redisKeys } from '../../src/queue/keys.ts';

describe('events from workers are persisted idempotently', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let redis: Redis;

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
    redis = new Redis(env.config.REDIS_URL);
  });
  after(async () => {
    await redis?.quit();
    await api?.close();
    await env?.cleanup();
  });

  test('the same event delivered twice makes one row, and its effect applies once', async () => {
    // No worker: the run stays queued while we play the worker's part on the real stream.
    const { body } = await request(api.url, 'POST', '/runs', denseRunSpec());
    const publisher = new EventPublisher(redis, redisKeys(env.config.KILN_QUEUE_PREFIX));
    const epoch = await publisher.publish(body.id, {
      type: 'epoch',
      data: { epoch: 1, metrics: { loss: 0.5 }, lr: 0.01, durationMs: 10, samplesPerSec: 100 },
    });
    await publisher.republish(epoch);
    const marker = await publisher.publish(body.id, {
      type: 'log',
      data: { level: 'info', message: 'after the duplicate' },
    });
    await waitFor(
      () => api.app.db.prisma.runEvent.findUnique({ where: { runId_seq: { runId: body.id, seq: marker.seq } } }),
      10_000,
      'the marker event',
    );

    assert.equal(await api.app.db.prisma.runEvent.count({ where: { runId: body.id, seq: epoch.seq } }), 1);
    assert.equal(await api.app.db.prisma.epochMetric.count({ where: { runId: body.id } }), 1);
    const run = await request(api.url, 'GET', `/runs/${body.id}`);
    assert.deepEqual(
      run.body.epochs.map((e: { epoch: number }) => e.epoch),
      [1],
    );
    // The stream really held the event twice.
    const entries = await redis.xrange(redisKeys(env.config.KILN_QUEUE_PREFIX).eventStream, '-', '+');
    assert.equal(entries.filter(([, f]) => f[1] === body.id && f[3] === String(epoch.seq)).length, 2);
  });

  test('sequence numbers of a run have no gap and no duplicate, whoever publishes', async () => {
    const { body } = await request(api.url, 'POST', '/runs', denseRunSpec());
    const a = new EventPublisher(redis, redisKeys(env.config.KILN_QUEUE_PREFIX));
    const other = new Redis(env.config.REDIS_URL);
    const b = new EventPublisher(other, redisKeys(env.config.KILN_QUEUE_PREFIX));
    const published = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).publish(body.id, { type: 'log', data: { level: 'info', message: `event ${i}`, i } }),
      ),
    );
    await other.quit();
    const seqs = published.map((e) => e.seq).sort((x, y) => x - y);
    // seq 1 is the api's own `queued` status event
    assert.deepEqual(
      seqs,
      Array.from({ length: 50 }, (_, i) => i + 2),
    );
  });
});
