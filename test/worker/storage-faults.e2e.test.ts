import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

/** A small tmpfs as the artifact directory: a disk that really fills up (needs root, as CI runs). */
function mountSmallDisk(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { encoding: 'utf8' });
  return mounted.status === 0 ? undefined : `cannot mount a tmpfs here: ${mounted.stderr.trim()}`;
}

/** Remounts read-only or read-write; a remount to ro fails while a file is open for writing, so it is tried again. */
async function remount(dir: string, mode: 'ro' | 'rw') {
  for (let i = 0; i < 50; i++) {
    if (spawnSync('mount', ['-o', `remount,${mode}`, dir]).status === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`could not remount ${dir} ${mode}`);
}

/** Writes zeros until the disk is full. */
function fill(path: string) {
  spawnSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=256k'], { encoding: 'utf8' });
}

describe('storage faults: a full artifact disk, then a read-only one', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: WorkerProcess;
  let disk: string;
  let cannotMount: string | undefined;

  before(async () => {
    env = await createTestEnvironment();
    disk = join(env.dataDir, 'artifacts');
    cannotMount = mountSmallDisk(disk);
    if (cannotMount) return;
    api = await startApi(env.config);
    worker = await startWorker(env.env);
  });
  after(async () => {
    await worker?.stop('SIGKILL');
    await api?.close();
    if (!cannotMount) spawnSync('umount', ['-l', disk]);
    await env?.cleanup();
  });

  test('a checkpoint that hits a full disk or a read-only one leaves no half folder, the run is retried, and it resumes from the last good checkpoint once the disk is back', async (t) => {
    if (cannotMount) return t.skip(cannotMount);
    // ~1.5 s epochs with a checkpoint of ~0.4 MB at each end.
    const spec = denseRunSpec({ epochs: 8, samples: 2048, batchSize: 4, units: 256 });
    const retries = async () => {
      const events = await api.app.db.prisma.runEvent.findMany({
        where: { runId, type: 'status' },
        orderBy: { seq: 'asc' },
      });
      return events
        .map((e) => e.data as { status: string; reason?: string })
        .filter((d) => d.status === 'queued' && d.reason);
    };
    const { body } = await request(api.url, 'POST', '/runs', spec);
    const runId = body.id as string;
    await waitFor(
      async () => (await request(api.url, 'GET', `/runs/${runId}`)).body.epochs.length >= 1,
      60_000,
      'the first epoch',
    );
    const filler = join(disk, 'filler');
    fill(filler);

    const [queued] = await waitFor(async () => (await retries()).length >= 1 && retries(), 60_000, 'the first retry');
    assert.match(queued.reason!, /the artifact store is full \(no space left on device\); retrying \(attempt 2 of 3\)/);
    assert.doesNotMatch(queued.reason!, new RegExp(env.dataDir), 'no server path in what a client sees');
    // Only the checkpoint the pointer names is on disk: the failed one left nothing behind.
    const checkpointsDir = join(disk, 'runs', runId, 'checkpoints');
    const pointer = JSON.parse(readFileSync(join(checkpointsDir, 'latest.json'), 'utf8')) as { dir: string };
    const folders = readdirSync(checkpointsDir).filter((name) => name !== 'latest.json');
    assert.deepEqual(folders, [pointer.dir.split('/').at(-1)]);
    rmSync(filler);

    // Once training is under way again, the disk turns read-only.
    const epochs = (await request(api.url, 'GET', `/runs/${runId}`)).body.epochs.length as number;
    await waitFor(
      async () => (await request(api.url, 'GET', `/runs/${runId}`)).body.epochs.length > epochs,
      60_000,
      'an epoch after the first retry',
    );
    await remount(disk, 'ro');
    const second = await waitFor(async () => (await retries())[1], 60_000, 'the second retry').catch((e) => {
      console.log(worker.output().slice(-6000)); // what the worker saw instead
      throw e;
    });
    assert.match(second.reason!, /the artifact store is read-only; retrying \(attempt 3 of 3\)/);
    await remount(disk, 'rw');

    const run = await waitForRun(api.url, runId, ['succeeded', 'failed'], 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2, 3, 4, 5, 6, 7, 8],
      'every epoch once',
    );
    const logs = await api.app.db.prisma.runEvent.findMany({ where: { runId, type: 'log' } });
    const resumed = logs.filter((e) =>
      /^resuming from checkpoint at epoch \d, batch 0$/.test((e.data as { message: string }).message),
    );
    assert.equal(resumed.length, 2, 'each retry resumed from the last good checkpoint');
  });
});
