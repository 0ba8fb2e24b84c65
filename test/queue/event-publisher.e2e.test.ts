import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { EventPublisher } from '../../src/queue/event-publisher.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { epochEvent } from '../helpers/events.ts';

describe('EventPublisher: the seq of every event, on real Redis', () => {
  const { redis, keys, url } = useRedisPrefix();
  const publisher = new EventPublisher(redis, keys);

  test("each run's events are numbered 1, 2, 3… on their own, whatever other runs publish", async () => {
    const seqs: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < 5; i++) {
      for (const run of ['a', 'b'])
        seqs[run]!.push((await publisher.publish(`run-${run}`, epochEvent(i + 1, 0.5))).seq);
    }
    assert.deepEqual(seqs, { a: [1, 2, 3, 4, 5], b: [1, 2, 3, 4, 5] });
  });

  test('two publishers of one run (an old worker finishing, a new one starting) never give a seq twice or skip one', async () => {
    const other = new Redis(url);
    try {
      const second = new EventPublisher(other, keys);
      const published = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 ? publisher : second).publish('shared', { type: 'log', data: { level: 'info', message: `${i}` } }),
        ),
      );
      const seqs = published.map((e) => e.seq).sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      // The shared stream holds them in seq order: the seq and the position are taken in one script.
      const entries = await redis.xrange(keys.eventStream, '-', '+');
      const inStream = entries.filter(([, f]) => f[1] === 'shared').map(([, f]) => Number(f[3]));
      assert.deepEqual(inStream, seqs);
    } finally {
      await other.quit();
    }
  });

  test('the event is stored as published: 16-digit numbers and empty objects survive the Lua script', async () => {
    const data = {
      epoch: 1,
      metrics: { loss: 0.1234567890123456 },
      lr: 1e-7,
      durationMs: 0,
      samplesPerSec: 0,
      extra: {},
    };
    const event = await publisher.publish('exact', { type: 'epoch', data, time: '2026-12-07T00:00:00.000Z' });
    assert.deepEqual(event, { seq: 1, runId: 'exact', type: 'epoch', time: '2026-12-07T00:00:00.000Z', data });
    const [[, fields]] = (await redis.xrange(keys.runStream('exact'), '-', '+')) as [string, string[]][];
    assert.deepEqual(JSON.parse(fields![fields!.indexOf('event') + 1]!), event);
    assert.ok((await redis.ttl(keys.runStream('exact'))) > 6 * 24 * 3600, "a run's recent stream expires after a week");
  });

  test('forget() drops the counter and recent stream of a deleted run', async () => {
    await publisher.publish('gone', epochEvent(1, 1));
    await publisher.forget('gone');
    assert.equal(await redis.exists(keys.eventSeq('gone'), keys.runStream('gone')), 0);
  });
});
