/**
 * How a worker takes jobs from the queue: run priorities, KILN_WORKER_CONCURRENCY, and the per-run
 * time limit fit.maxRuntimeSeconds. Real api, real worker processes, real training.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

interface RunView {
  id: string;
  status: string;
  startedAt: string;
  finishedAt: string;
  attempt: number;
  error: { code: string; message: string } | null;
  epochs: unknown[];
  checkpoints: Array<{ kind: string; epoch: number }>;
}

describe('scheduling', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let workers: WorkerProcess[] = [];

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function submit(spec: object): Promise<string> {
    const { status, body } = await request(api.url, 'POST', '/runs', spec);
    assert.equal(status, 201, JSON.stringify(body));
    return body.id;
  }

  test('a high-priority run submitted behind three queued ones starts next; equal priorities keep their order', async () => {
    const queued = [];
    for (const name of ['first', 'second', 'third']) queued.push(await submit(denseRunSpec({ name, epochs: 1 })));
    const urgent = await submit({ ...denseRunSpec({ name: 'urgent', epochs: 1 }), priority: 500 });

    workers.push(await startWorker(env.env));
    const runs: RunView[] = [];
    for (const id of [urgent, ...queued]) runs.push(await waitForRun(api.url, id, ['succeeded', 'failed'], 120_000));
    for (const run of runs) assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const startOrder = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)).map((r) => r.id);
    assert.deepEqual(startOrder, [urgent, ...queued]);
  });

  test('KILN_WORKER_CONCURRENCY=2: one worker trains two runs at the same time', async () => {
    workers.push(await startWorker({ ...env.env, KILN_WORKER_CONCURRENCY: '2' }));
    const ids = [
      await submit(denseRunSpec({ name: 'a', epochs: 6, samples: 512, batchSize: 8 })),
      await submit(denseRunSpec({ name: 'b', epochs: 6, samples: 512, batchSize: 8 })),
    ];
    const [a, b] = (await Promise.all(ids.map((id) => waitForRun(api.url, id, ['succeeded', 'failed'], 120_000)))) as [
      RunView,
      RunView,
    ];
    assert.equal(a.status, 'succeeded');
    assert.equal(b.status, 'succeeded');
    // Overlapping [start, finish] intervals: each started before the other finished.
    assert.ok(
      Date.parse(a.startedAt) < Date.parse(b.finishedAt) && Date.parse(b.startedAt) < Date.parse(a.finishedAt),
      JSON.stringify([a, b].map((r) => [r.startedAt, r.finishedAt])),
    );
  });

  test('fit.maxRuntimeSeconds: the run stops, keeps a checkpoint and ends failed with reason timeout, without a retry', async () => {
    workers.push(await startWorker(env.env));
    // 400 epochs of 64 batches would take minutes; the limit is 3 s.
    const spec = denseRunSpec({ name: 'too-long', epochs: 400, samples: 512, batchSize: 8 });
    const id = await submit({ ...spec, fit: { ...spec.fit, maxRuntimeSeconds: 3 } });
    const run: RunView = await waitForRun(api.url, id, ['succeeded', 'failed'], 120_000);

    assert.equal(run.status, 'failed');
    assert.equal(run.error?.code, 'timeout');
    assert.match(run.error!.message, /maxRuntimeSeconds \(3 s\)/);
    assert.equal(run.attempt, 1, 'a timeout is not retried');
    assert.ok(run.epochs.length > 0 && run.epochs.length < 400, `${run.epochs.length} epochs`);
    const elapsed = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    assert.ok(elapsed >= 3000 && elapsed < 30_000, `ran for ${elapsed} ms`);
    assert.ok(
      run.checkpoints.some((c) => c.kind === 'latest'),
      'its last checkpoint is kept',
    );
    const job = await api.app.trainingQueue.getJob(id);
    assert.equal(job?.attemptsMade, 1);
  });

  test('KILN_TRAINING_THREADS=2: the run trains on two threads and gives the single-thread losses', async () => {
    const spec = denseRunSpec({ name: 'threads', epochs: 3, samples: 200, batchSize: 16 });
    type Trained = Omit<RunView, 'epochs'> & { device: string; epochs: Array<{ metrics: Record<string, number> }> };
    const results: Trained[] = [];
    for (const threads of ['1', '2']) {
      const worker = await startWorker({ ...env.env, KILN_TRAINING_THREADS: threads });
      const id = await submit(spec);
      results.push(await waitForRun(api.url, id, ['succeeded', 'failed'], 120_000));
      await worker.stop();
    }
    const [one, two] = results as [Trained, Trained];
    assert.equal(two.status, 'succeeded', JSON.stringify(two.error));
    assert.equal(one.device, 'cpu (wasm, 1 thread)');
    assert.equal(two.device, 'cpu (wasm, 2 threads)');
    one.epochs.forEach((epoch, i) => {
      for (const key of ['loss', 'val_loss']) {
        const a = epoch.metrics[key]!;
        const b = two.epochs[i]!.metrics[key]!;
        assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)), `epoch ${i + 1} ${key}: ${a} vs ${b}`);
      }
    });
  });

  test('a spec with an out-of-range maxRuntimeSeconds or priority is refused naming the field', async () => {
    const spec = denseRunSpec();
    const tooShort = await request(api.url, 'POST', '/runs', { ...spec, fit: { ...spec.fit, maxRuntimeSeconds: 0 } });
    assert.equal(tooShort.status, 400);
    assert.match(JSON.stringify(tooShort.body.error), /fit\/maxRuntimeSeconds|fit\.maxRuntimeSeconds/);
    const tooUrgent = await request(api.url, 'POST', '/runs', { ...spec, priority: 1001 });
    assert.equal(tooUrgent.status, 400);
    assert.match(JSON.stringify(tooUrgent.body.error), /priority/);
  });
});
