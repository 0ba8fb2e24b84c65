// Cancel part: how long a user waits between POST /runs/:id/cancel and the run's `canceled` status on its
// WebSocket, for the seed MNIST CNN at batch 32 on real digits, with the cancel sent at a random moment
// of the epoch. The api runs in this process (Redis, embedded PGlite); the worker is a real worker
// process with its training process, as `npm start` runs them. Compared with one batch's duration:
// the promise is "within one batch".
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { percentile } from './lib/percentiles.ts';
import { loadMnistTest } from './lib/mnist.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const TRIALS = 20;
const SAMPLES = 2000;
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The seed CNN as a Kiln spec on inline MNIST digits, with more epochs than any trial lasts. */
function seedCnnSpec() {
  const mnist = loadMnistTest(SAMPLES);
  const round = (v: number) => Math.round(v * 100) / 100;
  const x = Array.from({ length: mnist.count }, (_, i) =>
    Array.from({ length: 28 }, (_, r) =>
      Array.from({ length: 28 }, (_, c) => [round(mnist.images[i * 784 + r * 28 + c]!)]),
    ),
  );
  const y = Array.from({ length: mnist.count }, (_, i) => Array.from(mnist.oneHot.subarray(i * 10, i * 10 + 10)));
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
    dataset: { inline: { x, y } },
    compile: { optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 100, batchSize: 32, validationSplit: 0 },
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
      const event = JSON.parse(raw.toString()) as { type: string; data: { status?: string; samplesPerSec?: number } };
      if (event.type === 'batch' && !askedAt && event.data.samplesPerSec) {
        batchMs = (32 / event.data.samplesPerSec) * 1000;
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
  const env = { KILN_DATA_DIR: install.dataDir, KILN_QUEUE_PREFIX: install.prefix, LOG_LEVEL: 'warn' };
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
    const body = JSON.stringify(seedCnnSpec());
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      trials.push(await trial(base, body));
      process.stdout.write(`\rcancel: trial ${i + 1}/${TRIALS}, ${trials.at(-1)!.cancelMs.toFixed(0)} ms`);
    }
    process.stdout.write('\n');
    const cancels = trials.map((t) => t.cancelMs);
    const batch = {
      name: 'one batch of 32 (median)',
      value: percentile(
        trials.map((t) => t.batchMs),
        50,
      ),
    };
    return [
      { name: `cancel to canceled, p50 (${TRIALS} runs)`, value: percentile(cancels, 50), unit: 'ms' },
      compared(`cancel to canceled, p99 (${TRIALS} runs)`, percentile(cancels, 99), 'ms', batch),
      { name: 'cancel to canceled, max', value: Math.max(...cancels), unit: 'ms' },
    ];
  } finally {
    worker.kill('SIGKILL');
    await app.close();
    await install.remove(config.REDIS_URL);
  }
}
