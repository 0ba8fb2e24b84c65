import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request, waitFor } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { EventClient, epochs, wsUrl } from '../helpers/ws.ts';
import { batchEvent, epochEvent } from '../helpers/events.ts';
import { EventPublisher } from '../../src/queue/event-publisher.ts';
import { redisKeys } from '../../src/queue/keys.ts';
import { loadConfig } from '../../src/config/config.ts';

/**
 * The api against a stand-in worker: these tests publish run events themselves, through the same
 * publisher a worker uses, to produce load no small training run could.
 */
describe('many watchers and slow ones', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let redis: Redis;
  let publisher: EventPublisher;

  before(async () => {
    env = await createTestEnvironment({ env: { KILN_WS_MAX_BUFFER_MB: '1', KILN_API_TOKEN: 'telemetry-token' } });
    api = await startApi(env.config);
    redis = new Redis(env.config.REDIS_URL);
    publisher = new EventPublisher(redis, redisKeys(env.config.KILN_QUEUE_PREFIX));
  });
  after(async () => {
    await redis?.quit();
    await api?.close();
    await env?.cleanup();
  });

  const auth = { authorization: 'Bearer telemetry-token' };
  const newRun = async () => (await request(api.url, 'POST', '/runs', denseRunSpec(), auth)).body.id as string;

  test('200 concurrent subscribers each receive every epoch event of a run once, in order', async () => {
    const runId = await newRun();
    const clients = Array.from(
      { length: 200 },
      () => new EventClient(wsUrl(api.url, `/runs/${runId}/events?token=telemetry-token`)),
    );
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(async () => api.app.telemetry.hub.listenerCount >= 200, 10_000, 'all subscribed');
    for (let epoch = 1; epoch <= 20; epoch++) {
      await publisher.publish(runId, batchEvent(epoch, 1));
      await publisher.publish(runId, epochEvent(epoch, 1 / epoch));
    }
    await publisher.publish(runId, { type: 'status', data: { status: 'succeeded' } });
    const closes = await Promise.all(clients.map((c) => c.closed));
    for (const [i, client] of clients.entries()) {
      assert.deepEqual(
        epochs(client.events),
        Array.from({ length: 20 }, (_, k) => k + 1),
        `client ${i}`,
      );
      assert.equal(closes[i]!.code, 1000);
    }
  });

  test('a subscriber that never reads is cut off; the server stays bounded and the others get everything', async () => {
    const runId = await newRun();
    const slow = new EventClient(wsUrl(api.url, `/runs/${runId}/events`), auth);
    const healthy = new EventClient(wsUrl(api.url, `/runs/${runId}/events`), auth);
    await Promise.all([slow.opened, healthy.opened]);
    await waitFor(async () => api.app.telemetry.hub.listenerCount >= 2, 10_000, 'both subscribed');
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from now on
    // The healthy client keeps what it receives; drop the padding so only the server's memory is measured.
    healthy.strip = (e) => ({ ...e, data: { ...e.data, padding: undefined } });
    // What the server holds for its sockets: the bytes queued on each, sampled as the events go by.
    const serverSockets = api.app.websocketServer.clients;
    let peak = 0;
    const sample = () => {
      for (const socket of serverSockets) peak = Math.max(peak, socket.bufferedAmount);
    };
    const padding = 'x'.repeat(4096);
    for (let epoch = 1; epoch <= 40; epoch++) {
      await Promise.all(
        Array.from({ length: 200 }, (_, b) => publisher.publish(runId, batchEvent(epoch, b, { padding })).then(sample)),
      );
      await publisher.publish(runId, epochEvent(epoch, 1, { padding }));
      sample();
    }
    await publisher.publish(runId, { type: 'status', data: { status: 'succeeded' } });
    // ~33 MB were published; the slow socket may hold at most ~1 MB (KILN_WS_MAX_BUFFER_MB) of them unsent.
    await healthy.closed;
    assert.deepEqual(
      epochs(healthy.events),
      Array.from({ length: 40 }, (_, k) => k + 1),
    );
    await waitFor(async () => api.app.telemetry.hub.listenerCount === 0, 10_000, 'the slow socket to be dropped');
    assert.ok(
      peak <= 1024 * 1024 + 64 * 1024,
      `a socket held ${Math.round(peak / 1024)} KiB unsent while 33 MB went by`,
    );
    // (The rest sits in the kernel's socket buffers, which loopback makes several MB deep.)
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.closed;
    assert.ok([1013, 1006].includes(closed.code), `closed with ${closed.code}`);
    assert.ok(slow.events.length < healthy.events.length);
  });

  test('GET /events: one connection, several runs, each from its own since; "*" follows every run', async () => {
    const [a, b] = [await newRun(), await newRun()];
    await publisher.publish(a, { type: 'log', data: { level: 'info', message: 'a-before' } });
    const client = new EventClient(wsUrl(api.url, '/events?token=telemetry-token'));
    await client.opened;
    client.send({ subscribe: [{ runId: a, since: 1 }, b] });
    await client.until(() => client.controls.some((m) => m.subscribed));
    await client.until((events) => events.some((e) => e.data.message === 'a-before'));
    assert.ok(!client.events.some((e) => e.runId === a && e.seq === 1), 'since=1 skips the first event of a');
    assert.ok(
      client.events.some((e) => e.runId === b && e.seq === 1),
      'b is replayed from the start',
    );
    await publisher.publish(b, { type: 'log', data: { level: 'info', message: 'b-live' } });
    await client.until((events) => events.some((e) => e.data.message === 'b-live'));
    client.send({ unsubscribe: [b] });
    await client.until(() => client.controls.some((m) => m.unsubscribed));
    await publisher.publish(b, { type: 'log', data: { level: 'info', message: 'b-after-unsubscribe' } });
    client.send({ subscribe: '*' });
    await client.until(() => client.controls.filter((m) => m.subscribed).length === 2);
    const c = await newRun();
    await publisher.publish(c, { type: 'log', data: { level: 'info', message: 'c-live' } });
    await client.until((events) => events.some((e) => e.data.message === 'c-live'));
    assert.ok(!client.events.some((e) => e.data.message === 'b-after-unsubscribe'));
    const perRun = new Map<string, number[]>();
    for (const e of client.events) perRun.set(e.runId, [...(perRun.get(e.runId) ?? []), e.seq]);
    for (const [run, list] of perRun)
      assert.deepEqual(
        list,
        [...new Set(list)].sort((x, y) => x - y),
        `no duplicates for ${run}`,
      );
    client.send({ nonsense: true });
    await client.until(() => client.controls.some((m) => m.error?.code === 'invalid_message'));
    client.close();
  });

  test('WebSockets need the token too: without it the upgrade is refused with 401', async () => {
    const runId = await newRun();
    await assert.rejects(new EventClient(wsUrl(api.url, `/runs/${runId}/events`)).opened, /HTTP 401/);
    await assert.rejects(new EventClient(wsUrl(api.url, `/runs/${runId}/events?token=wrong-token`)).opened, /HTTP 401/);
  });
});

test('peers that stop answering pings are dropped', async () => {
  const env = await createTestEnvironment({ env: { KILN_WS_PING_MS: '200' } });
  const api = await startApi(loadConfig(env.env));
  try {
    const runId = (await request(api.url, 'POST', '/runs', denseRunSpec())).body.id;
    const silent = new EventClient(wsUrl(api.url, `/runs/${runId}/events`));
    await silent.opened;
    await waitFor(async () => api.app.telemetry.hub.listenerCount === 1, 5000, 'subscribed');
    (silent.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // no pongs any more
    await waitFor(async () => api.app.telemetry.hub.listenerCount === 0, 5000, 'the silent peer to be dropped');
  } finally {
    await api.close();
    await env.cleanup();
  }
});
