// A run trained by a user's train_step survives its worker being killed (SIGKILL) mid-run: another
// worker resumes it from the latest checkpoint and it ends with exactly the weights of a run never
// interrupted (the epoch's running means, optimizer slots and random state all come back).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsArtifactStore } from '../../src/artifacts/fs-artifact-store.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { request, runEvents, waitFor, waitForRun } from '../helpers/http.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { savedWeights } from '../engine/training/helpers.ts';

const SEED_LOOP = readFileSync(new URL('../../examples/custom-step/seed-loop.ts', import.meta.url), 'utf8');

describe('a custom-step run whose worker is killed', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const workers: WorkerProcess[] = [];
  const start = async () => {
    const worker = await startWorker({ ...env.env, KILN_ALLOW_USER_CODE: 'true' });
    workers.push(worker);
    return worker;
  };

  before(async () => {
    await initBackend('wasm');
    env = await createTestEnvironment({ env: { KILN_LOCK_DURATION_MS: '2000', KILN_ALLOW_USER_CODE: 'true' } });
    api = await startApi(env.config);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await api?.close();
    await env?.cleanup();
  });

  test('resumes on another worker from epoch 3 and ends with the uninterrupted run’s weights', async () => {
    // About a second per epoch: 1,024 batches of one sample, each a call of the user's step.
    const spec = {
      ...denseRunSpec({ epochs: 4, samples: 1024, batchSize: 1, units: 32 }),
      train_step: { source: SEED_LOOP, language: 'ts' },
    };
    const first = await start();
    const straight = await request(api.url, 'POST', '/runs', spec);
    const done = await waitForRun(api.url, straight.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));

    const killed = await request(api.url, 'POST', '/runs', spec);
    await waitFor(
      async () =>
        (await request(api.url, 'GET', `/runs/${killed.body.id}`)).body.checkpoints.some(
          (c: { kind: string; epoch: number }) => c.kind === 'latest' && c.epoch === 2,
        ),
      90_000,
      "epoch 2's checkpoint",
    );
    await first.stop('SIGKILL');
    await start();
    const run = await waitForRun(api.url, killed.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.attempt, 2);
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2, 3, 4],
    );
    const logs = (await runEvents(api.url, killed.body.id)).filter((e) => e.type === 'log').map((e) => e.data.message);
    assert.ok(logs.includes('resuming from checkpoint at epoch 3, batch 0'), logs.join('\n'));

    const store = new FsArtifactStore(join(env.dataDir, 'artifacts'));
    const [a, b] = [
      await savedWeights(store, `runs/${straight.body.id}/model`),
      await savedWeights(store, `runs/${killed.body.id}/model`),
    ];
    const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(diff < 1e-6, `the resumed run's weights differ by ${diff}`);
    const lastLoss = (r: { epochs: Array<{ metrics: Record<string, number> }> }) => r.epochs.at(-1)!.metrics.loss!;
    assert.ok(Math.abs(lastLoss(run) - lastLoss(done)) < 1e-6);
  });
});
