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

// Plain JavaScript, evaluated in the worker. node:http with a keep-alive agent rather than fetch:
// undici's fetch costs the clients' thread several times more CPU per request, and on a 2-core machine
// that CPU is taken from the api being measured.
const CLIENT_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, bodies, clients, rounds, headers } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const target = new URL(url);
const sendHeaders = headers ?? { 'content-type': 'application/json' };
function predict(i) {
  const started = performance.now();
  const body = bodies[i % bodies.length];
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST',
        headers: { ...sendHeaders, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error('predict answered ' + response.statusCode));
          else resolve(performance.now() - started);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
(async () => {
  const latencies = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let r = 0; r < rounds; r++) latencies.push(await predict(c * rounds + r));
  }));
  agent.destroy();
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
