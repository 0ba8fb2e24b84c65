import { Worker } from 'node:worker_threads';

/** What the load generator sends: `clients` closed-loop clients, each sending `rounds` requests in turn. */
export interface LoadPlan {
  url: string;
  /** JSON text, or bytes (the Open Inference Protocol's binary extension). */
  bodies: Array<string | Uint8Array>;
  clients: number;
  rounds: number;
  /** Sent with every request; default: JSON's content-type. */
  headers?: Record<string, string>;
}

// Plain JavaScript, evaluated in the worker: it needs nothing but fetch.
const CLIENT_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, clients, rounds, headers } = workerData;
async function predict(i) {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: headers ?? { 'content-type': 'application/json' }, body: bodies[i % bodies.length] });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error('predict answered ' + response.status);
  return performance.now() - started;
}
(async () => {
  const latencies = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let r = 0; r < rounds; r++) latencies.push(await predict(c * rounds + r));
  }));
  parentPort.postMessage({ latencies, seconds: (performance.now() - started) / 1000 });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

/**
 * Runs closed-loop HTTP clients in a worker thread, so that their event loop is not the api's: in one
 * loop, client and server callbacks interleave and the clients' own queueing shows up as server latency.
 */
export function runLoad(plan: LoadPlan): Promise<{ latencies: number[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT_LOOP, { eval: true, workerData: plan });
    worker.once('message', (m: { latencies: number[]; seconds: number } | { error: string }) => {
      void worker.terminate();
      if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}
