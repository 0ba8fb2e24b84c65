// Serving part: the seed MNIST CNN behind POST /models/:id/predict. Single-instance latency (p50/p99)
// with one client, and throughput and p99 with 64 concurrent clients, once with micro-batching off
// (KILN_BATCH_MAX_SIZE=1) and once on (the defaults), in one run. The api runs in this process on
// Redis and an embedded PGlite; clients are fetch with keep-alive connections, the concurrent ones in a
// thread of their own.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { artifactIOHandler } from '../src/engine/io/artifact-io-handler.ts';
import { modelSignature } from '../src/engine/model-signature.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { percentile } from './lib/percentiles.ts';
import { buildSeedCnn } from './lib/seed-cnn.ts';
import { runLoad } from './lib/load-clients.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const SINGLE_REQUESTS = 300;
const CLIENTS = 64;
const REQUESTS_PER_CLIENT = 20;
const WARMUP_ROUNDS = 5;

interface Load {
  throughput: number;
  p99: number;
}

interface Measured {
  p50: number;
  p99: number;
  concurrentP99: number;
  throughput: number;
  meanBatch: number;
  /** The same 64 clients on the Open Inference Protocol's routes: JSON tensors and binary tensors. */
  v2: { json: Load; binary: Load };
}

/**
 * An Open Inference Protocol request for one image: JSON tensors, or the JSON header plus raw float32
 * bytes. Every binary body's header is the same JSON (same input, shape and size), so one
 * Inference-Header-Content-Length serves them all.
 */
function v2Bodies(input: string, pixels: number[]): { json: string; binary: Uint8Array; headerLength: number } {
  const tensor = { name: input, shape: [1, 28, 28, 1], datatype: 'FP32' };
  const json = JSON.stringify({ inputs: [{ ...tensor, data: pixels }] });
  const header = Buffer.from(
    JSON.stringify({ inputs: [{ ...tensor, parameters: { binary_data_size: pixels.length * 4 } }] }),
  );
  const binary = Uint8Array.from(Buffer.concat([header, Buffer.from(new Float32Array(pixels).buffer)]));
  return { json, binary, headerLength: header.length };
}

function image(seed: number): number[][][] {
  let s = seed + 1;
  const random = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => [Math.round(random() * 1000) / 1000]));
}

/** Starts an api with the given batching settings, registers the seed CNN and measures it. */
async function measure(batchMaxSize: number): Promise<Measured> {
  const install = await scratchInstall();
  const config = loadConfig({
    KILN_DATA_DIR: install.dataDir,
    KILN_QUEUE_PREFIX: install.prefix,
    LOG_LEVEL: 'warn',
    KILN_BATCH_MAX_SIZE: String(batchMaxSize),
  });
  const app = await buildApp(config, pino({ level: 'warn' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    // Built after the api chose the backend, so the weights live where serving runs.
    const model = buildSeedCnn();
    const path = `models/${randomUUID()}`;
    await model.save(artifactIOHandler(app.artifacts, path));
    const id = randomUUID();
    await app.db.prisma.model.create({
      data: { id, name: 'seed-cnn', version: 1, path, signature: modelSignature(model) as object },
    });
    model.dispose();

    const bodies = Array.from({ length: 16 }, (_, i) => JSON.stringify({ instances: [image(i)] }));
    const predict = async (i: number) => {
      const started = performance.now();
      const response = await fetch(`${base}/models/${id}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[i % bodies.length],
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
      return performance.now() - started;
    };

    for (let i = 0; i < 30; i++) await predict(i); // load, warm up, and let the JIT settle
    const single: number[] = [];
    for (let i = 0; i < SINGLE_REQUESTS; i++) single.push(await predict(i));

    // The 64 clients run in their own thread (bench/lib/load-clients.ts). A first burst opens the
    // connections and warms the batched code path; then the measured rounds.
    const plan = { url: `${base}/models/${id}/predict`, bodies, clients: CLIENTS };
    await runLoad({ ...plan, rounds: WARMUP_ROUNDS });
    const before = app.serving.batchStats(id)!;
    const { latencies: concurrent, seconds } = await runLoad({ ...plan, rounds: REQUESTS_PER_CLIENT });
    const after = app.serving.batchStats(id)!;

    // The Open Inference Protocol's routes, same clients, same images.
    const metadata = (await (await fetch(`${base}/v2/models/${id}`)).json()) as { inputs: { name: string }[] };
    const v2 = Array.from({ length: 16 }, (_, i) => v2Bodies(metadata.inputs[0]!.name, image(i).flat(2)));
    const v2Load = async (headers: Record<string, string>, bodies: Array<string | Uint8Array>): Promise<Load> => {
      const load = { url: `${base}/v2/models/${id}/infer`, bodies, clients: CLIENTS, headers };
      await runLoad({ ...load, rounds: WARMUP_ROUNDS });
      const measured = await runLoad({ ...load, rounds: REQUESTS_PER_CLIENT });
      return { throughput: measured.latencies.length / measured.seconds, p99: percentile(measured.latencies, 99) };
    };
    const json = await v2Load(
      { 'content-type': 'application/json' },
      v2.map((b) => b.json),
    );
    const binary = await v2Load(
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(v2[0]!.headerLength) },
      v2.map((b) => b.binary),
    );
    return {
      p50: percentile(single, 50),
      p99: percentile(single, 99),
      concurrentP99: percentile(concurrent, 99),
      throughput: concurrent.length / seconds,
      meanBatch: (after.instances - before.instances) / (after.batches - before.batches),
      v2: { json, binary },
    };
  } finally {
    await app.close();
    await install.remove(config.REDIS_URL);
  }
}

export async function run(): Promise<BenchResult[]> {
  const off = await measure(1);
  const on = await measure(loadConfig({}).KILN_BATCH_MAX_SIZE);
  const offName = 'micro-batching off';
  return [
    { name: `1 client, p50 latency, ${offName}`, value: off.p50, unit: 'ms' },
    { name: `1 client, p99 latency, ${offName}`, value: off.p99, unit: 'ms' },
    compared('1 client, p50 latency, micro-batching on', on.p50, 'ms', { name: offName, value: off.p50 }),
    compared('1 client, p99 latency, micro-batching on', on.p99, 'ms', { name: offName, value: off.p99 }),
    { name: `${CLIENTS} clients, throughput, ${offName}`, value: off.throughput, unit: 'predictions/s' },
    compared(`${CLIENTS} clients, throughput, micro-batching on`, on.throughput, 'predictions/s', {
      name: offName,
      value: off.throughput,
    }),
    { name: `${CLIENTS} clients, p99 latency, ${offName}`, value: off.concurrentP99, unit: 'ms' },
    compared(`${CLIENTS} clients, p99 latency, micro-batching on`, on.concurrentP99, 'ms', {
      name: offName,
      value: off.concurrentP99,
    }),
    { name: `${CLIENTS} clients, mean batch size, micro-batching on`, value: on.meanBatch, unit: 'instances' },
    ...(['json', 'binary'] as const).flatMap((kind) => [
      compared(
        `${CLIENTS} clients, throughput, v2 ${kind}, micro-batching on`,
        on.v2[kind].throughput,
        'predictions/s',
        {
          name: 'Kiln predict JSON, micro-batching on',
          value: on.throughput,
        },
      ),
      compared(`${CLIENTS} clients, p99 latency, v2 ${kind}, micro-batching on`, on.v2[kind].p99, 'ms', {
        name: 'Kiln predict JSON, micro-batching on',
        value: on.concurrentP99,
      }),
    ]),
  ];
}
