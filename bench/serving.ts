// Serving part: the seed MNIST CNN behind every predict route (Kiln's JSON, TensorFlow Serving's JSON,
// the Open Inference Protocol's JSON and binary tensors), with 1 client and with 64 concurrent clients,
// with micro-batching off (KILN_BATCH_MAX_SIZE=1), on (the defaults) and on with 2 inference threads
// (KILN_SERVING_THREADS=2), in one run: for each,
// predictions/s, p50 and p99, the median of REPEATS measurements. The api runs in this process on Redis
// and an embedded PGlite; clients are node:http keep-alive connections in a thread of their own.
// The previous decoding (nested arrays of numbers walked element by element, answers through nested
// arrays and JSON.stringify) is gone since the fast paths replaced it; its last figures are in the
// commit that did (b161a58) and in the bench results saved before it.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { artifactIOHandler } from '../src/engine/io/artifact-io-handler.ts';
import { modelSignature } from '../src/engine/model-signature.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { percentile } from './lib/percentiles.ts';
import { buildSeedCnn } from './lib/seed-cnn.ts';
import { runLoad, type LoadPlan } from './lib/load-clients.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const CLIENTS = 64;
/** Requests per client per measurement: one client sends more, so its percentiles mean something. */
const ROUNDS = { 1: 300, [CLIENTS]: 20 } as Record<number, number>;
const WARMUP_ROUNDS = 5;
const REPEATS = 3;
/** KILN_SERVING_THREADS of the threaded measurement: the machine's 2 cores. */
const THREADS = 2;
/** The middle one of the REPEATS figures (nearest rank). */
const median = (values: number[]) => percentile(values, 50);

/** One load's figures: throughput and latency percentiles (ms). */
interface Load {
  throughput: number;
  p50: number;
  p99: number;
}

const ROUTES = ['Kiln JSON', 'TF Serving JSON', 'v2 JSON', 'v2 binary'] as const;
type Route = (typeof ROUTES)[number];

interface Measured {
  /** By route, then by clients (1 or CLIENTS). */
  loads: Record<Route, Record<number, Load>>;
  /** Mean instances per batch of Kiln JSON at CLIENTS clients. */
  meanBatch: number;
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

/** The median of each figure over REPEATS measurements of one load. */
async function measureLoad(plan: Omit<LoadPlan, 'rounds' | 'clients'>, clients: number): Promise<Load> {
  await runLoad({ ...plan, clients, rounds: clients === 1 ? 30 : WARMUP_ROUNDS }); // connections, JIT
  const runs: Load[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const { latencies, seconds } = await runLoad({ ...plan, clients, rounds: ROUNDS[clients]! });
    runs.push({
      throughput: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    });
  }
  return {
    throughput: median(runs.map((r) => r.throughput)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

/** Starts an api with the given batching settings, registers the seed CNN and measures every route. */
async function measure(batchMaxSize: number, threads = 0): Promise<Measured> {
  const install = await scratchInstall();
  const config = loadConfig({
    KILN_DATA_DIR: install.dataDir,
    KILN_QUEUE_PREFIX: install.prefix,
    LOG_LEVEL: 'warn',
    KILN_BATCH_MAX_SIZE: String(batchMaxSize),
    KILN_SERVING_THREADS: String(threads),
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

    const rows = Array.from({ length: 16 }, (_, i) => JSON.stringify({ instances: [image(i)] }));
    const metadata = (await (await fetch(`${base}/v2/models/${id}`)).json()) as { inputs: { name: string }[] };
    const v2 = Array.from({ length: 16 }, (_, i) => v2Bodies(metadata.inputs[0]!.name, image(i).flat(2)));
    const json = { 'content-type': 'application/json' };
    const plans: Record<Route, Omit<LoadPlan, 'rounds' | 'clients'>> = {
      'Kiln JSON': { url: `${base}/models/${id}/predict`, bodies: rows, headers: json },
      'TF Serving JSON': { url: `${base}/v1/models/seed-cnn:predict`, bodies: rows, headers: json },
      'v2 JSON': { url: `${base}/v2/models/${id}/infer`, bodies: v2.map((b) => b.json), headers: json },
      'v2 binary': {
        url: `${base}/v2/models/${id}/infer`,
        bodies: v2.map((b) => b.binary),
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(v2[0]!.headerLength),
        },
      },
    };
    const loads = {} as Measured['loads'];
    let meanBatch = 0;
    for (const route of ROUTES) {
      loads[route] = {};
      for (const clients of [1, CLIENTS]) {
        const before = app.serving.batchStats(id);
        loads[route][clients] = await measureLoad(plans[route], clients);
        const after = app.serving.batchStats(id)!;
        if (route === 'Kiln JSON' && clients === CLIENTS && before)
          meanBatch = (after.instances - before.instances) / (after.batches - before.batches);
      }
    }
    return { loads, meanBatch };
  } finally {
    await app.close();
    await install.remove(config.REDIS_URL);
  }
}

const FIGURES = [
  ['throughput', 'predictions/s'],
  ['p50', 'ms'],
  ['p99', 'ms'],
] as const;

export async function run(): Promise<BenchResult[]> {
  const off = await measure(1);
  const on = await measure(loadConfig({}).KILN_BATCH_MAX_SIZE);
  const threaded = await measure(loadConfig({}).KILN_BATCH_MAX_SIZE, THREADS);
  const label = (clients: number) => (clients === 1 ? '1 client' : `${clients} clients`);
  const results: BenchResult[] = [];
  // Micro-batching on against off, per route and load.
  for (const route of ROUTES)
    for (const clients of [1, CLIENTS])
      for (const [figure, unit] of FIGURES)
        results.push(
          compared(
            `${route}, ${label(clients)}, ${figure}, micro-batching on`,
            on.loads[route][clients]![figure],
            unit,
            {
              name: 'off',
              value: off.loads[route][clients]![figure],
            },
          ),
        );
  results.push({
    name: `Kiln JSON, ${label(CLIENTS)}, mean batch size, micro-batching on`,
    value: on.meanBatch,
    unit: 'instances',
  });
  // The other routes against Kiln's JSON, micro-batching on.
  for (const route of ROUTES.slice(1))
    for (const clients of [1, CLIENTS])
      for (const [figure, unit] of FIGURES)
        results.push(
          compared(`${route} vs Kiln JSON, ${label(clients)}, ${figure}`, on.loads[route][clients]![figure], unit, {
            name: 'Kiln JSON',
            value: on.loads['Kiln JSON'][clients]![figure],
          }),
        );
  // Inference threads against the event loop, micro-batching on.
  for (const route of ROUTES)
    for (const clients of [1, CLIENTS])
      for (const [figure, unit] of FIGURES)
        results.push(
          compared(
            `${route}, ${label(clients)}, ${figure}, ${THREADS} inference threads`,
            threaded.loads[route][clients]![figure],
            unit,
            { name: 'event loop', value: on.loads[route][clients]![figure] },
          ),
        );
  return results;
}
