// Telemetry part: latency from a worker's publish to a WebSocket client's receipt (p50/p99) with 1 and
// with 200 subscribers of one run, and the events/s one api sustains to 200 subscribers. The api runs
// in this process on Redis and an embedded PGlite; the "worker" is the same EventPublisher workers use.
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { EventPublisher } from '../src/queue/event-publisher.ts';
import { redisKeys } from '../src/queue/keys.ts';
import type { RunEventDraft } from '../src/domain/run-event.ts';
import type { BenchResult } from './lib/results.ts';
import { percentile } from './lib/percentiles.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const spec = {
  model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [1] }] },
  dataset: { inline: { x: [[0]], y: [[0]] } },
  compile: { optimizer: 'sgd', loss: 'mse' },
  fit: { epochs: 1 },
};

/** A batch event stamped with when it was sent, so a watcher can measure its latency. */
function timedBatch(): RunEventDraft {
  const stamp = { sentAt: performance.timeOrigin + performance.now() };
  return {
    type: 'batch',
    data: {
      epoch: 1,
      epochs: 1,
      batch: 1,
      batches: 1,
      metrics: { loss: 0.1 },
      samplesPerSec: 0,
      etaSeconds: null,
      ...stamp,
    },
  };
}

async function connect(
  url: string,
  onEvent: (event: { seq: number; data: { sentAt?: number } }) => void,
): Promise<WebSocket> {
  const socket = new WebSocket(url);
  socket.on('message', (raw) => onEvent(JSON.parse(raw.toString())));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return socket;
}

/** Publishes `count` events, `perTick` at a time, and returns each receipt's latency in ms. */
async function measure(
  base: string,
  publisher: EventPublisher,
  runId: string,
  subscribers: number,
  count: number,
  perTick: number,
) {
  const latencies: number[] = [];
  const socketsHolder: { sockets: WebSocket[] } = { sockets: [] };
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const check = () => received >= subscribers * count && resolve();
    void Promise.all(
      Array.from({ length: subscribers }, () =>
        connect(`${base}/runs/${runId}/events?since=1`, (event) => {
          if (event.data.sentAt === undefined) return;
          latencies.push(performance.timeOrigin + performance.now() - event.data.sentAt);
          received++;
          check();
        }),
      ),
    ).then((sockets) => (socketsHolder.sockets = sockets));
  });
  while (socketsHolder.sockets.length < subscribers) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300)); // let every subscription reach the hub
  const started = performance.now();
  for (let i = 0; i < count; i += perTick) {
    await Promise.all(
      Array.from({ length: Math.min(perTick, count - i) }, () => publisher.publish(runId, timedBatch())),
    );
    if (perTick === 1) await new Promise((r) => setTimeout(r, 2));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  for (const s of socketsHolder.sockets) s.close();
  return { latencies, eventsPerSec: count / seconds, deliveriesPerSec: (count * subscribers) / seconds };
}

export async function run(): Promise<BenchResult[]> {
  const install = await scratchInstall();
  const prefix = install.prefix;
  const config = loadConfig({
    KILN_DATA_DIR: install.dataDir,
    KILN_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    KILN_WS_MAX_BUFFER_MB: '64',
  });
  const app = await buildApp(config, pino({ level: 'warn' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const redis = new Redis(config.REDIS_URL);
  const publisher = new EventPublisher(redis, redisKeys(prefix));
  try {
    const newRun = async () => (await app.inject({ method: 'POST', url: '/runs', payload: spec })).json().id as string;
    const one = await measure(base, publisher, await newRun(), 1, 500, 1);
    const many = await measure(base, publisher, await newRun(), 200, 500, 1);
    const burst = await measure(base, publisher, await newRun(), 200, 5000, 100);
    return [
      { name: 'publish→receipt p50, 1 subscriber', value: percentile(one.latencies, 50), unit: 'ms' },
      { name: 'publish→receipt p99, 1 subscriber', value: percentile(one.latencies, 99), unit: 'ms' },
      {
        name: 'publish→receipt p50, 200 subscribers',
        value: percentile(many.latencies, 50),
        unit: 'ms',
        compareWith: { name: '1 subscriber', value: percentile(one.latencies, 50) },
        ratio: percentile(many.latencies, 50) / percentile(one.latencies, 50),
      },
      {
        name: 'publish→receipt p99, 200 subscribers',
        value: percentile(many.latencies, 99),
        unit: 'ms',
        compareWith: { name: '1 subscriber', value: percentile(one.latencies, 99) },
        ratio: percentile(many.latencies, 99) / percentile(one.latencies, 99),
      },
      { name: 'sustained events, 200 subscribers', value: burst.eventsPerSec, unit: 'events/s' },
      { name: 'sustained deliveries, 200 subscribers', value: burst.deliveriesPerSec, unit: 'messages/s' },
      { name: 'publish→receipt p99 under that load', value: percentile(burst.latencies, 99), unit: 'ms' },
    ];
  } finally {
    await redis.quit();
    await app.close();
    await install.remove(config.REDIS_URL);
  }
}
