/**
 * What an operator's Prometheus sees: GET /metrics on the api (no token needed) and on a worker's
 * metrics port, after real training, a real predict and a real WebSocket watcher.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startWorker } from '../helpers/processes.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { EventClient } from '../helpers/ws.ts';
import { sample, scrape } from '../helpers/prometheus.ts';

const TOKEN = 'metrics-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('operator metrics', () => {
  let stack: Stack;
  let workerMetrics: string;
  let port: number;

  before(async () => {
    port = await freePort();
    stack = await startStack({ env: { KILN_API_TOKEN: TOKEN, KILN_METRICS_PORT: String(port) } });
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
  });
  after(async () => {
    await stack?.stop();
  });

  test('jobs, run durations, event lag, predict latency and sockets on the api; jobs, durations and samples/s on the worker', async () => {
    const { body } = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 2 }), auth);
    const run = await waitForRun(stack.api.url, body.id, ['succeeded', 'failed'], 90_000, auth);
    assert.equal(run.status, 'succeeded');

    const watcher = new EventClient(`${stack.api.url.replace('http', 'ws')}/events?token=${TOKEN}`);
    await watcher.opened;
    const predicted = await request(
      stack.api.url,
      'POST',
      `/models/${run.modelId}/predict`,
      { instances: [[1, 1, 1, 1]] },
      auth,
    );
    assert.equal(predicted.status, 200, JSON.stringify(predicted.body));
    const model = (await request(stack.api.url, 'GET', `/models/${run.modelId}`, undefined, auth)).body;

    const api = await scrape(`${stack.api.url}/metrics`); // no token: Prometheus scrapes without one
    assert.equal(sample(api, 'kiln_jobs', { queue: 'training', state: 'completed' }), 1);
    assert.equal(sample(api, 'kiln_jobs', { queue: 'training', state: 'active' }), 0);
    assert.equal(sample(api, 'kiln_runs_finished_total', { status: 'succeeded' }), 1);
    assert.equal(sample(api, 'kiln_run_duration_seconds_count', { status: 'succeeded' }), 1);
    assert.ok(sample(api, 'kiln_run_duration_seconds_sum', { status: 'succeeded' })! > 0);
    assert.ok(sample(api, 'kiln_event_lag_seconds_count')! >= run.epochs.length + 2, 'every stored event is measured');
    assert.equal(
      sample(api, 'kiln_predict_duration_seconds_count', { model: `${model.name}:${model.version}`, outcome: 'ok' }),
      1,
    );
    assert.equal(sample(api, 'kiln_websocket_connections'), 1);
    watcher.socket.close();
    await watcher.closed;

    const worker = await scrape(workerMetrics);
    const labels = { device: 'cpu (wasm, 1 thread)' };
    assert.equal(sample(worker, 'kiln_worker_jobs_finished_total', { ...labels, outcome: 'succeeded' }), 1);
    assert.equal(sample(worker, 'kiln_worker_job_duration_seconds_count', { ...labels, outcome: 'succeeded' }), 1);
    assert.equal(sample(worker, 'kiln_worker_jobs_running', labels), 0);
    // Samples/s is a per-run gauge while it trains, removed when the run ends.
    assert.equal(sample(worker, 'kiln_training_samples_per_second', { run: body.id }), undefined);
  });

  test('a running job shows its samples/s on the worker', async () => {
    const { body } = await request(
      stack.api.url,
      'POST',
      '/runs',
      denseRunSpec({ epochs: 30, samples: 512, batchSize: 8 }),
      auth,
    );
    const deadline = Date.now() + 60_000;
    let value: number | undefined;
    while (Date.now() < deadline && !(value! > 0)) {
      value = sample(await scrape(workerMetrics), 'kiln_training_samples_per_second', { run: body.id });
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(value! > 0, `samples/s ${value}`);
    assert.equal(
      sample(await scrape(workerMetrics), 'kiln_worker_jobs_running', { device: 'cpu (wasm, 1 thread)' }),
      1,
    );
    await request(stack.api.url, 'POST', `/runs/${body.id}/cancel`, undefined, auth);
    await waitForRun(stack.api.url, body.id, ['canceled'], 60_000, auth);
  });

  test('a worker whose metrics port is taken says which setting to change, and still takes jobs', async () => {
    // The stack's worker holds the port; a second worker on this machine is given the same one.
    const second = await startWorker({ ...stack.env.env, KILN_METRICS_PORT: String(port) });
    try {
      assert.match(second.output(), new RegExp(`port ${port} is already in use`));
      assert.match(second.output(), /set KILN_METRICS_PORT to a free port .* or to 0 to turn it off/);
      await stack.worker.stop();
      const { body } = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 1 }), auth);
      const run = await waitForRun(stack.api.url, body.id, ['succeeded', 'failed'], 90_000, auth);
      assert.equal(run.status, 'succeeded', 'trained by the second worker');
    } finally {
      await second.stop();
    }
  });
});
