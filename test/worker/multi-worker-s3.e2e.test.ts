/**
 * Kiln on several machines: an api and two workers with separate data directories that share only
 * Redis, PostgreSQL and an S3 bucket (a real S3-protocol server). Runs spread over both workers,
 * every model predicts through the api, and a worker killed mid-run hands its job to the other,
 * which resumes from the checkpoint in the bucket.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitFor, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { startS3rver, type RunningS3rver } from '../artifacts/s3rver-process.ts';
import { S3ArtifactStore } from '../../src/artifacts/s3-artifact-store.ts';

/** A worker on its own "machine": its own data directory, nothing shared but the environment's services. */
interface Machine {
  worker: WorkerProcess;
  dataDir: string;
}

describe('several worker machines sharing Redis, PostgreSQL and S3', () => {
  let s3: RunningS3rver;
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let bucket: S3ArtifactStore;
  const machines: Machine[] = [];
  const prefix = `kiln-${randomUUID()}`;

  async function startMachine(): Promise<Machine> {
    const dataDir = await mkdtemp(join(tmpdir(), 'kiln-machine-'));
    const machine = { worker: await startWorker({ ...env.env, KILN_DATA_DIR: dataDir }), dataDir };
    machines.push(machine);
    return machine;
  }
  const ranOn = (machine: Machine, runId: string) => machine.worker.output().includes(`"runId":"${runId}"`);

  before(async () => {
    s3 = await startS3rver('kiln-artifacts');
    env = await createTestEnvironment({
      env: {
        KILN_ARTIFACT_STORE: 's3',
        KILN_S3_BUCKET: s3.bucket,
        KILN_S3_ENDPOINT: s3.endpoint,
        KILN_S3_FORCE_PATH_STYLE: 'true',
        KILN_S3_ACCESS_KEY_ID: s3.accessKeyId,
        KILN_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        KILN_S3_PREFIX: prefix,
        KILN_LOCK_DURATION_MS: '2000',
      },
    });
    api = await startApi(env.config);
    bucket = new S3ArtifactStore({
      bucket: s3.bucket,
      prefix,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    await startMachine();
    await startMachine();
  });
  after(async () => {
    await Promise.all(machines.map((m) => m.worker.stop('SIGKILL')));
    await Promise.all(machines.map((m) => rm(m.dataDir, { recursive: true, force: true })));
    bucket?.close();
    await api?.close();
    await env?.cleanup();
    await s3?.stop();
  });

  test('four runs spread over both workers, all succeed, and every model predicts through the api', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await request(
            api.url,
            'POST',
            '/runs',
            denseRunSpec({ name: `spread-${i}`, epochs: 4, samples: 256, batchSize: 8 }),
          )
        ).body.id,
      );
    const runs = await Promise.all(ids.map((id) => waitForRun(api.url, id, ['succeeded', 'failed'], 180_000)));
    for (const run of runs) assert.equal(run.status, 'succeeded', JSON.stringify(run.error));

    const [a, b] = machines as [Machine, Machine];
    for (const id of ids) assert.ok(ranOn(a, id) !== ranOn(b, id), `run ${id} ran on exactly one worker`);
    assert.ok(ids.some((id) => ranOn(a, id)) && ids.some((id) => ranOn(b, id)), 'both workers trained');

    for (const run of runs) {
      assert.ok(await bucket.exists(`runs/${run.id}/model/model.json`), 'the model is in the bucket');
      const predicted = await request(api.url, 'POST', `/models/${run.modelId}/predict`, {
        instances: [
          [1, 1, 1, 1],
          [-1, -1, -1, -1],
        ],
      });
      assert.equal(predicted.status, 200, JSON.stringify(predicted.body));
      assert.equal(predicted.body.predictions.length, 2);
    }
    // Nothing went to the machines' own disks: the bucket is the only artifact store.
    for (const m of machines)
      assert.ok(!(await readdir(m.dataDir)).includes('artifacts'), `${m.dataDir} holds no artifacts`);
  });

  test('a worker killed mid-run: the other takes its job and resumes from the checkpoint in S3', async () => {
    // ~2 s per epoch: 2,048 batches of one sample.
    const { body } = await request(
      api.url,
      'POST',
      '/runs',
      denseRunSpec({ name: 'survivor', epochs: 5, samples: 2048, batchSize: 1, units: 64 }),
    );
    await waitFor(
      async () =>
        (await request(api.url, 'GET', `/runs/${body.id}`)).body.checkpoints.some(
          (c: { kind: string; epoch: number }) => c.kind === 'latest' && c.epoch === 2,
        ),
      90_000,
      "epoch 2's checkpoint",
    );
    assert.ok((await bucket.list(`runs/${body.id}/checkpoints`)).length > 0, 'the checkpoint is in the bucket');
    const victim = machines.find((m) => ranOn(m, body.id))!;
    const survivor = machines.find((m) => m !== victim)!;
    await victim.worker.stop('SIGKILL');

    const run = await waitForRun(api.url, body.id, ['succeeded', 'failed'], 150_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.attempt, 2);
    assert.ok(ranOn(survivor, body.id), 'the other worker finished it');
    assert.deepEqual(
      run.epochs.map((e: { epoch: number }) => e.epoch),
      [1, 2, 3, 4, 5],
      'five epochs, none twice',
    );
    const events = await api.app.db.prisma.runEvent.findMany({
      where: { runId: body.id, type: 'log' },
      orderBy: { seq: 'asc' },
    });
    const logs = events.map((e) => (e.data as { message: string }).message);
    assert.ok(logs.includes('resuming from checkpoint at epoch 3, batch 0'), logs.join('\n'));
  });
});
