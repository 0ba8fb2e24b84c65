import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { isAlive, loggedPids, startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { redisKeys } from '../../src/queue/keys.ts';

type Api = Awaited<ReturnType<typeof startApi>>;

/**
 * A run whose one epoch has thousands of batches of 8 (~10 s on wasm): long enough that stopping at the
 * end of the epoch instead of within a batch is plain to see. Two decimals keep the inline JSON small.
 */
function longEpochSpec(epochs = 1, samples = 80_000) {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    x.push([0, 1, 2, 3].map((k) => Math.round(((label ? 1 : -1) + (((i * 7 + k * 13) % 100) - 50) / 100) * 100) / 100));
    y.push(label ? [0, 1] : [1, 0]);
  }
  return {
    name: 'long-epoch',
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: 32, activation: 'relu', inputShape: [4] },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    dataset: { inline: { x, y } },
    compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categorical_crossentropy' },
    fit: { epochs, batchSize: 8, validationSplit: 0, seed: 7 },
  };
}

/** One api, its environment and the workers a test starts; all stopped after the test. */
function harness() {
  const h = {} as { env: TestEnvironment; api: Api; workers: WorkerProcess[]; redis: Redis };
  afterEach(async () => {
    await Promise.all((h.workers ?? []).map((w) => w.stop('SIGKILL')));
    await h.redis?.quit();
    await h.api?.close();
    await h.env?.cleanup();
  });
  return {
    h,
    async start(env: Record<string, string> = {}) {
      h.env = await createTestEnvironment({ env: { KILN_LOCK_DURATION_MS: '2000', ...env } });
      h.api = await startApi(h.env.config);
      h.workers = [];
      h.redis = new Redis(h.env.config.REDIS_URL);
    },
    async worker(env: Record<string, string> = {}) {
      const worker = await startWorker({ ...h.env.env, ...env });
      h.workers.push(worker);
      return worker;
    },
    /** The run's stored events, in seq order. */
    events: (runId: string) =>
      h.api.app.db.prisma.runEvent.findMany({ where: { runId }, orderBy: { seq: 'asc' } }) as Promise<
        { seq: number; type: string; data: any }[]
      >,
  };
}

/** The pid of the training process a worker started for a run (from its log line). */
const trainingPid = (worker: WorkerProcess, runId: string): number | undefined =>
  loggedPids(worker.output(), 'training process started', runId)[0];

describe('preemption at a batch boundary', () => {
  const { h, start, worker, events } = harness();

  /** Submits the long run and waits until it is `batches` batches into its first epoch. */
  async function runUntilBatch(batches: number, spec = longEpochSpec()) {
    const { status, body } = await request(h.api.url, 'POST', '/runs', spec);
    assert.equal(status, 201, JSON.stringify(body));
    await waitFor(
      async () => (await events(body.id)).some((e) => e.type === 'batch' && e.data.batch >= batches),
      90_000,
      `batch ${batches}`,
    );
    return body.id as string;
  }

  test('cancel in the middle of a 7,500-batch epoch ends the run within 2 s; the worker holds the run while it trains', async () => {
    await start();
    const w = await worker();
    const runId = await runUntilBatch(100);
    const owner = await h.redis.get(redisKeys(h.env.config.KILN_QUEUE_PREFIX).runOwner(runId));
    assert.match(owner ?? '', /:\d+:/, 'the worker claims the run it trains (host:pid:id)');

    const asked = Date.now();
    assert.equal((await request(h.api.url, 'POST', `/runs/${runId}/cancel`)).status, 202);
    const run = await waitFor(
      async () => {
        const { body } = await request(h.api.url, 'GET', `/runs/${runId}`);
        return body.status === 'canceled' ? body : undefined;
      },
      30_000,
      'canceled',
    );
    const tookMs = Date.now() - asked;
    assert.equal(run.epochs.length, 0, 'no epoch completed: the cancel did not wait for the end of the epoch');
    const last = (await events(runId)).findLast((e) => e.type === 'batch')!;
    assert.ok(last.data.batch < last.data.batches / 2, `stopped at batch ${last.data.batch} of ${last.data.batches}`);
    assert.ok(tookMs < 2000, `canceled ${tookMs} ms after the request`);
    assert.equal(
      await h.redis.get(redisKeys(h.env.config.KILN_QUEUE_PREFIX).runOwner(runId)),
      null,
      'the claim ends with the job',
    );
    const pid = trainingPid(w, runId);
    assert.ok(pid && !isAlive(pid), 'the training process has exited');
  });

  test('SIGTERM mid-epoch: a checkpoint at the running batch, and the next worker starts at the batch after it', async () => {
    await start();
    const first = await worker();
    const runId = await runUntilBatch(300);
    await first.stop('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    await waitForRun(h.api.url, runId, ['queued'], 10_000);
    const checkpoint = (await events(runId)).find((e) => e.type === 'checkpoint');
    assert.ok(checkpoint, 'a checkpoint was written at shutdown');
    assert.equal(checkpoint.data.epoch, 0, 'in the middle of the first epoch');
    const resumeAt = checkpoint.data.batch as number;
    assert.ok(resumeAt >= 300, `checkpointed after batch ${resumeAt}`);

    await worker();
    const run = await waitForRun(h.api.url, runId, ['succeeded', 'failed'], 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const all = await events(runId);
    assert.ok(
      all.some((e) => e.type === 'log' && e.data.message === `resuming from checkpoint at epoch 1, batch ${resumeAt}`),
    );
    const secondStart = all.findLastIndex((e) => e.type === 'status' && e.data.status === 'running');
    const firstBatchAfter = all.slice(secondStart).find((e) => e.type === 'batch');
    assert.equal(firstBatchAfter?.data.batch, resumeAt + 1, 'the first batch of the new attempt is the next one');
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1],
    );
  });

  test('KILN_SHUTDOWN_TIMEOUT_MS ends a training process stuck in a long batch; the job goes back to the queue', async () => {
    await start();
    // The pure-JS backend and a wide layer: one batch blocks its thread for several seconds.
    const w = await worker({ TFJS_BACKEND: 'cpu', KILN_SHUTDOWN_TIMEOUT_MS: '1000' });
    const spec = longEpochSpec(1, 1024);
    spec.fit.batchSize = 512;
    spec.model.layers = [
      { type: 'Dense', units: 8192, activation: 'relu', inputShape: [256] },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ];
    spec.dataset.inline.x = spec.dataset.inline.x.map((row, i) =>
      Array.from({ length: 256 }, (_, k) => row[k % 4]! + ((i * k) % 7) / 100),
    );
    const { body } = await request(h.api.url, 'POST', '/runs', spec);
    await waitFor(async () => (await events(body.id)).some((e) => e.type === 'batch'), 120_000, 'the first batch');
    const pid = trainingPid(w, body.id)!;
    const asked = Date.now();
    await w.stop('SIGTERM');
    const tookMs = Date.now() - asked;
    assert.deepEqual(await w.exited, { code: 0, signal: null });
    assert.equal(isAlive(pid), false, 'the training process was ended');
    const run = await waitForRun(h.api.url, body.id, ['queued'], 10_000);
    const queued = (await events(body.id)).findLast((e) => e.type === 'status' && e.data.status === 'queued');
    assert.match(queued!.data.reason, /KILN_SHUTDOWN_TIMEOUT_MS/, 'it says the batch was cut short');
    assert.equal(run.attempt, 1, 'a shutdown spends no try');
    assert.ok(tookMs < 1000 + 4000, `the worker exited ${tookMs} ms after SIGTERM`);
  });

  test('a training process exits when its worker is SIGKILLed', async () => {
    await start();
    const w = await worker();
    const runId = await runUntilBatch(50);
    const pid = trainingPid(w, runId)!;
    assert.ok(isAlive(pid));
    await w.stop('SIGKILL');
    await waitFor(async () => !isAlive(pid), 5000, 'the orphaned training process to exit');
  });

  test('one budget for vanished workers and crashed training processes: never "attempt 3 of 2"', async () => {
    await start({ KILN_JOB_ATTEMPTS: '2' });
    const first = await worker();
    const runId = await runUntilBatch(50);
    await first.stop('SIGKILL'); // try 1: the worker vanishes; the job stalls
    const second = await worker();
    const pid = await waitFor(async () => trainingPid(second, runId), 60_000, 'the second try');
    await waitFor(
      async () => (await events(runId)).filter((e) => e.type === 'status' && e.data.status === 'running').length >= 2,
      30_000,
      'the second try to run',
    );
    process.kill(pid, 'SIGKILL'); // try 2: its training process dies
    const run = await waitForRun(h.api.url, runId, ['failed', 'succeeded'], 30_000);
    assert.equal(run.status, 'failed');
    assert.equal(run.error.code, 'worker_crashed');
    assert.match(run.error.message, /try 2 of 2/);
    const said = (await events(runId)).map((e) => JSON.stringify(e.data)).join('\n');
    assert.doesNotMatch(said, /attempt 3 of 2/);
  });
});
