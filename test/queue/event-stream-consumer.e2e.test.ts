import { after, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../src/domain/run-event.ts';
import { EventPublisher } from '../../src/queue/event-publisher.ts';
import { EventStreamConsumer, type EventStreamConsumerOptions } from '../../src/queue/event-stream-consumer.ts';
import { waitFor } from '../helpers/http.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { epochEvent } from '../helpers/events.ts';

const quiet = { error: () => undefined, warn: () => undefined };

describe('EventStreamConsumer: every event handed over, acknowledged only once handled, on real Redis', () => {
  const { redis, keysFor } = useRedisPrefix();
  const connections: Redis[] = [];
  // A consumer whose handler hangs never returns from stop(): its connection is cut here instead.
  after(() => connections.forEach((c) => c.disconnect()));

  /** Each test's own event stream (named after its consumer group) and a publisher on it. */
  const streamOf = (group: string) => ({ keys: keysFor(group), publisher: new EventPublisher(redis, keysFor(group)) });
  const consume = async (
    handle: (event: RunEvent) => Promise<void>,
    opts: EventStreamConsumerOptions & { group: string },
  ) => {
    const connection = redis.duplicate();
    connections.push(connection);
    const consumer = new EventStreamConsumer(connection, keysFor(opts.group), handle, quiet, { blockMs: 100, ...opts });
    await consumer.start();
    return consumer;
  };
  const pending = async (group: string) => ((await redis.xpending(keysFor(group).eventStream, group)) as [number])[0];

  test('events reach the handler in the order they were published, and none stays pending', async () => {
    const { publisher } = streamOf('order');
    const seen: string[] = [];
    const consumer = await consume(async (e) => void seen.push(`${e.runId}:${e.seq}`), {
      group: 'order',
      consumer: 'c1',
    });
    for (let i = 1; i <= 3; i++) for (const run of ['a', 'b']) await publisher.publish(run, epochEvent(i, 1 / i));
    await waitFor(async () => seen.length === 6, 5000, 'six events');
    await consumer.stop();
    assert.deepEqual(seen, ['a:1', 'b:1', 'a:2', 'b:2', 'a:3', 'b:3']);
    assert.equal(await pending('order'), 0);
  });

  test('an event whose handler never finished is pending, and a replica takes it over once it has waited claimIdleMs', async () => {
    const { publisher } = streamOf('takeover');
    await publisher.publish('stuck', epochEvent(1, 1));
    // The first replica dies in the middle of writing: its handler never resolves.
    const first = await consume(() => new Promise<void>(() => undefined), { group: 'takeover', consumer: 'dies' });
    await waitFor(async () => (await pending('takeover')) === 1, 5000, 'the entry to be handed to the first replica');
    void first.stop();
    const seen: RunEvent[] = [];
    const second = await consume(async (e) => void seen.push(e), {
      group: 'takeover',
      consumer: 'survives',
      claimIdleMs: 300,
    });
    await waitFor(async () => seen.length === 1, 5000, 'the second replica to claim the entry');
    await second.stop();
    assert.equal(seen[0]!.runId, 'stuck');
    assert.equal(await pending('takeover'), 0);
  });

  test('a restarted consumer first handles what it had been given but not acknowledged', async () => {
    const { publisher } = streamOf('restart');
    await publisher.publish('again', epochEvent(1, 1));
    const failing = await consume(
      async () => {
        throw new Error('database away');
      },
      { group: 'restart', consumer: 'same' },
    );
    await waitFor(async () => (await pending('restart')) === 1, 5000, 'the entry to be pending');
    await failing.stop();
    const seen: RunEvent[] = [];
    const restarted = await consume(async (e) => void seen.push(e), { group: 'restart', consumer: 'same' });
    await waitFor(async () => seen.length === 1, 5000, 'the pending entry to be handled');
    await restarted.stop();
    assert.equal(seen[0]!.runId, 'again');
    assert.equal(await pending('restart'), 0);
  });

  test('a handler that fails (the database is away) is retried until it succeeds: no event skipped, none twice, order kept', async () => {
    const { publisher } = streamOf('outage');
    let failures = 6;
    const stored: number[] = [];
    let sawFailing = false;
    const consumer = await consume(
      async (e) => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        stored.push(e.seq);
      },
      { group: 'outage', consumer: 'c', retryMinMs: 20, retryMaxMs: 100 },
    );
    for (let i = 1; i <= 5; i++) await publisher.publish('down', epochEvent(i, 1));
    await waitFor(
      async () => (sawFailing ||= consumer.health().failingSince !== undefined) && stored.length === 5,
      10_000,
      'five stored events',
    );
    await consumer.stop();
    assert.deepEqual(stored, [1, 2, 3, 4, 5]);
    assert.equal(consumer.health().failingSince, undefined, 'healthy again once the handler succeeds');
    assert.equal(await pending('outage'), 0);
  });

  test('an entry that is not a run event goes to the dead-letter stream, with its reason; the ones behind it are stored', async () => {
    const { keys, publisher } = streamOf('malformed');
    const stored: string[] = [];
    const reasons: string[] = [];
    const consumer = await consume(async (e) => void stored.push(`${e.runId}:${e.seq}`), {
      group: 'malformed',
      consumer: 'c',
      onDeadLetter: (reason) => reasons.push(reason),
    });
    await redis.xadd(keys.eventStream, '*', 'run', 'x', 'seq', '1', 'event', '{"seq": 1, "runId": "x", "type"');
    const bogus = { seq: 2, runId: 'x', type: 'epoch', time: new Date().toISOString(), data: { metrics: {} } };
    await redis.xadd(keys.eventStream, '*', 'run', 'x', 'seq', '2', 'event', JSON.stringify(bogus));
    await publisher.publish('fine', epochEvent(1, 1));
    await waitFor(async () => stored.length === 1, 5000, 'the good event');
    await consumer.stop();
    assert.deepEqual(stored, ['fine:1']);
    assert.deepEqual(reasons, ['not JSON', 'an epoch event needs an epoch number and metrics']);
    const dead = await redis.xrange(keys.deadLetterStream, '-', '+');
    assert.deepEqual(
      dead.map(([, f]) => f[f.indexOf('reason') + 1]),
      reasons,
    );
    assert.equal(await pending('malformed'), 0);
  });

  test('an event the database refuses for its data is tried three times, then set aside', async () => {
    const { keys, publisher } = streamOf('refused');
    let tries = 0;
    const consumer = await consume(
      async (e) => {
        if (e.runId === 'bad') {
          tries++;
          throw Object.assign(new Error('value too long for type character varying(100)'), { code: 'P2000' });
        }
      },
      {
        group: 'refused',
        consumer: 'c',
        retryMinMs: 10,
        isPermanent: (error) => (error as { code?: string }).code === 'P2000',
      },
    );
    await publisher.publish('bad', epochEvent(1, 1));
    await waitFor(async () => (await redis.xlen(keys.deadLetterStream)) === 1, 5000, 'the refused event set aside');
    await consumer.stop();
    assert.equal(tries, 3);
  });

  test("a consumer group lost with Redis's data is created again, and new events are stored without a restart", async () => {
    const { keys, publisher } = streamOf('flushed');
    const stored: string[] = [];
    const consumer = await consume(async (e) => void stored.push(`${e.runId}:${e.seq}`), {
      group: 'flushed',
      consumer: 'c',
    });
    await publisher.publish('before', epochEvent(1, 1));
    await waitFor(async () => stored.length === 1, 5000, 'the first event');
    await redis.del(keys.eventStream); // what a Redis restarted without its data looks like to the consumer
    await publisher.publish('after', epochEvent(1, 1));
    await waitFor(async () => stored.length === 2, 10_000, 'the event published after the stream was lost');
    await consumer.stop();
    assert.deepEqual(stored, ['before:1', 'after:1']);
  });
});
