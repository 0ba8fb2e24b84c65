// Cancel part: how long a user waits between POST /runs/:id/cancel and the run's `canceled` status on its
// WebSocket, for the seed MNIST CNN at batch 32 on real digits (a registered MNIST dataset), with the
// cancel sent at a random moment of the epoch. The api runs in this process on Redis and the machine's
// PostgreSQL (a scratch database; PGlite when PostgreSQL is not reachable, said in the row names); the
// worker is a real worker process with its training process, as `npm start` runs them. Compared with
// one batch's duration: the promise is "within one batch" of the training process.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { percentile } from './lib/percentiles.ts';
import { MNIST_DIR } from './lib/mnist.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const TRIALS = Number(process.env.BENCH_CANCEL_TRIALS ?? 20);
const BATCH = 32;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PG_ADMIN_URL = process.env.KILN_BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A scratch PostgreSQL database, or undefined when PostgreSQL is not reachable. */
async function scratchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: PG_ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** Uploads the MNIST test set as a dataset and waits for its ingestion. */
async function registerMnist(base: string): Promise<string> {
  const form = new FormData();
  form.append('name', 'mnist-cancel-bench');
  for (const name of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
    form.append('files', new Blob([await readFile(`${MNIST_DIR}${name}`)]), name);
  const { id } = (await (await fetch(`${base}/datasets`, { method: 'POST', body: form })).json()) as { id: string };
  for (;;) {
    const { status } = (await (await fetch(`${base}/datasets/${id}`)).json()) as { status: string };
    if (status === 'ready') return id;
    if (status !== 'ingesting') throw new Error(`the MNIST upload ended ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The seed CNN as a Kiln spec on the registered digits, with more epochs than any trial lasts. */
function seedCnnSpec(datasetId: string) {
  return {
    name: 'cancel-bench',
    model: {
      type: 'sequential',
      layers: [
        { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] },
        { type: 'MaxPooling2D', poolSize: 2 },
        { type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu' },
        { type: 'MaxPooling2D', poolSize: 2 },
        { type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu' },
        { type: 'Flatten' },
        { type: 'Dense', units: 128, activation: 'relu' },
        { type: 'Dropout', rate: 0.5 },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    dataset: { id: datasetId, preprocess: { scale: 1 / 255 }, limit: 4000 },
    compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 100, batchSize: BATCH, validationSplit: 0 },
  };
}

interface Trial {
  cancelMs: number;
  batchMs: number;
}

/** One run: waits for its first batch, cancels at a random moment of the next 1.5 s, times the answer. */
async function trial(base: string, body: string): Promise<Trial> {
  const created = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const { id } = (await created.json()) as { id: string };
  const socket = new WebSocket(`${base.replace('http', 'ws')}/runs/${id}/events`);
  return new Promise<Trial>((resolve, reject) => {
    let askedAt = 0;
    let batchMs = 0;
    socket.on('message', (raw) => {
      const event = JSON.parse(raw.toString()) as {
        type: string;
        data: { status?: string; samplesPerSec?: number; batch?: number };
      };
      // The epoch's running rate, once the first batches (slow while the kernels warm up) are behind.
      if (event.type === 'batch' && askedAt <= 0 && event.data.samplesPerSec)
        batchMs = (BATCH / event.data.samplesPerSec) * 1000;
      if (event.type === 'batch' && !askedAt && (event.data.batch ?? 0) >= 10) {
        askedAt = -1;
        setTimeout(() => {
          askedAt = performance.now();
          void fetch(`${base}/runs/${id}/cancel`, { method: 'POST' });
        }, Math.random() * 1500);
      }
      if (event.type === 'status' && event.data.status === 'canceled') {
        socket.close();
        resolve({ cancelMs: performance.now() - askedAt, batchMs });
      }
      if (event.type === 'status' && (event.data.status === 'failed' || event.data.status === 'succeeded')) {
        socket.close();
        reject(new Error(`run ${id} ended ${event.data.status} before it was canceled`));
      }
    });
    socket.on('error', reject);
  });
}

export async function run(): Promise<BenchResult[]> {
  const install = await scratchInstall();
  const database = await scratchDatabase(install.prefix.replace(/-/g, '_'));
  const env = {
    KILN_DATA_DIR: install.dataDir,
    KILN_QUEUE_PREFIX: install.prefix,
    LOG_LEVEL: 'warn',
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  const on = database ? 'PostgreSQL' : 'PGlite';
  const config = loadConfig(env);
  const app = await buildApp(config, pino({ level: 'warn' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, KILN_METRICS_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => {
    let out = '';
    worker.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker ready')) resolve();
    });
  });
  try {
    const body = JSON.stringify(seedCnnSpec(await registerMnist(base)));
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      trials.push(await trial(base, body));
      process.stdout.write(`\rcancel: trial ${i + 1}/${TRIALS}, ${trials.at(-1)!.cancelMs.toFixed(0)} ms`);
    }
    process.stdout.write('\n');
    const cancels = trials.map((t) => t.cancelMs);
    const medianBatch = percentile(
      trials.map((t) => t.batchMs),
      50,
    );
    const batch = { name: `one batch of ${BATCH} (median)`, value: medianBatch };
    return [
      { name: `cancel to canceled, p50 (${TRIALS} runs, ${on})`, value: percentile(cancels, 50), unit: 'ms' },
      compared(`cancel to canceled, p99 (${TRIALS} runs, ${on})`, percentile(cancels, 99), 'ms', batch),
      { name: `cancel to canceled, max (${on})`, value: Math.max(...cancels), unit: 'ms' },
    ];
  } finally {
    worker.kill('SIGKILL');
    await app.close();
    await install.remove(config.REDIS_URL);
    await database?.drop();
  }
}
