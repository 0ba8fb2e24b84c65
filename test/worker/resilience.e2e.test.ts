import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QueueEvents } from 'bullmq';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { QUEUES } from '../../src/queue/contracts.ts';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { scratchRoot } from '../../src/lib/scratch-dirs.ts';

/** Status events of a run, in order, as stored. */
async function statusEvents(api: Awaited<ReturnType<typeof startApi>>, runId: string) {
  const events = await api.app.db.prisma.runEvent.findMany({ where: { runId }, orderBy: { seq: 'asc' } });
  return events;
}

describe('workers: blocking jobs, crashes and shutdown', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let workers: WorkerProcess[] = [];

  before(async () => {
    env = await createTestEnvironment({ env: { KILN_LOCK_DURATION_MS: '2000' } });
    api = await startApi(env.config);
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    workers = [];
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  test('a job whose batches block their thread for seconds is neither marked stalled nor run twice', async () => {
    const queueEvents = new QueueEvents(QUEUES.training, {
      connection: { url: env.config.REDIS_URL } as never,
      prefix: env.config.KILN_QUEUE_PREFIX,
    });
    const stalled: string[] = [];
    queueEvents.on('stalled', ({ jobId }) => stalled.push(jobId));
    await queueEvents.waitUntilReady();
    // Two workers on the pure-JS backend: if the lock were lost, the second would take the job.
    workers.push(
      await startWorker({ ...env.env, TFJS_BACKEND: 'cpu' }),
      await startWorker({ ...env.env, TFJS_BACKEND: 'cpu' }),
    );
    const spec = denseRunSpec({ epochs: 1, samples: 512, batchSize: 256 });
    spec.model.layers = [
      { type: 'Dense', units: 8192, activation: 'relu', inputShape: [256] },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ];
    spec.dataset.inline.x = spec.dataset.inline.x.map((row, i) =>
      Array.from({ length: 256 }, (_, k) => row[k % 4]! + ((i * k) % 7) / 100),
    );
    const { body } = await request(api.url, 'POST', '/runs', spec);
    const run = await waitForRun(api.url, body.id, ['succeeded', 'failed'], 180_000);
    await queueEvents.close();

    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    // The premise: one epoch of two batches kept the training thread busy for longer than two lock periods.
    assert.ok(run.epochs[0].durationMs > 2 * 2000, `epoch took only ${run.epochs[0].durationMs} ms`);
    assert.deepEqual(stalled, []);
    assert.equal(run.attempt, 1);
    const running = (await statusEvents(api, body.id)).filter(
      (e) => e.type === 'status' && (e.data as { status: string }).status === 'running',
    );
    assert.equal(running.length, 1, 'the job ran once');
    const job = await api.app.trainingQueue.getJob(body.id);
    assert.equal(job?.attemptsMade, 1, 'one finished attempt: the successful one');
    assert.equal(job?.stalledCounter ?? 0, 0);
  });

  test('a worker killed with SIGKILL during epoch 3 of 5: the job is retried elsewhere, resumes at epoch 3 and succeeds', async () => {
    const first = await startWorker(env.env);
    workers.push(first);
    // ~2 s per epoch: 2,048 batches of one sample.
    const { body } = await request(
      api.url,
      'POST',
      '/runs',
      denseRunSpec({ epochs: 5, samples: 2048, batchSize: 1, units: 64 }),
    );
    await waitFor(
      async () =>
        (await request(api.url, 'GET', `/runs/${body.id}`)).body.checkpoints.some(
          (c: { kind: string; epoch: number }) => c.kind === 'latest' && c.epoch === 2,
        ),
      90_000,
      "epoch 2's checkpoint",
    );
    await first.stop('SIGKILL');

    workers.push(await startWorker(env.env));
    const run = await waitForRun(api.url, body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2, 3, 4, 5],
      'five epochs, none twice',
    );
    assert.equal(run.attempt, 2);
    const logs = (await statusEvents(api, body.id))
      .filter((e) => e.type === 'log')
      .map((e) => (e.data as { message: string }).message);
    assert.ok(logs.includes('resuming from checkpoint at epoch 3, batch 0'), logs.join('\n'));
  });

  test('scratch left by training processes that died is removed when a worker starts and after each job it runs', async () => {
    // A dataset too big for memory is copied to a scratch directory, which a killed process leaves behind.
    const dead = () => spawnSync(process.execPath, ['-e', '']).pid!;
    const root = scratchRoot(env.dataDir);
    const [beforeStart, duringJob] = [
      join(root, `run-data-${dead()}-${randomUUID()}`),
      join(root, `run-data-${dead()}-${randomUUID()}`),
    ];
    const live = join(root, `run-data-${process.pid}-${randomUUID()}`);
    for (const dir of [beforeStart, live]) await mkdir(dir, { recursive: true });
    const worker = await startWorker(env.env);
    workers.push(worker);
    assert.equal(existsSync(beforeStart), false, 'swept when the worker started');
    await mkdir(duringJob, { recursive: true });
    const { body } = await request(api.url, 'POST', '/runs', denseRunSpec({ epochs: 1, samples: 32, batchSize: 8 }));
    const run = await waitForRun(api.url, body.id, ['succeeded', 'failed'], 60_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    await waitFor(async () => !existsSync(duringJob), 10_000, 'the sweep after the job');
    assert.ok(existsSync(live), "a running process's scratch stays");
    assert.match(worker.output(), /removed scratch directories left by training processes that died/);
  });

  test('SIGTERM lets the running batch finish, checkpoints, hands the job back; another worker resumes it', async () => {
    const first = await startWorker(env.env);
    workers.push(first);
    const { body } = await request(
      api.url,
      'POST',
      '/runs',
      denseRunSpec({ epochs: 40, samples: 512, batchSize: 8, units: 64 }),
    );
    await waitFor(
      async () => (await request(api.url, 'GET', `/runs/${body.id}`)).body.epochs.length >= 2,
      60_000,
      'two epochs',
    );
    await first.stop('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    assert.match(first.output(), /handed back to the queue/);
    const queued = await waitForRun(api.url, body.id, ['queued'], 10_000);
    assert.ok(queued.epochs.length < 40);

    workers.push(await startWorker(env.env));
    const run = await waitForRun(api.url, body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const logs = (await statusEvents(api, body.id))
      .filter((e) => e.type === 'log')
      .map((e) => (e.data as { message: string }).message);
    assert.ok(
      logs.some((m) => /resuming from checkpoint at epoch \d+, batch \d+/.test(m)),
      logs.join('\n'),
    );
  });
});
