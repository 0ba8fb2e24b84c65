import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { createTestEnvironment, type TestEnvironment } from '../../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../../helpers/processes.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { mnistFiles, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';
import { mnistSequential } from '../../engine/model/fixtures.ts';

/** mnist.npz as Keras ships it, built from the real 10,000 test digits: 8,000 to train on, 2,000 to test. */
async function buildMnistNpz(): Promise<Uint8Array> {
  const [images, labels] = (await mnistFiles()).map((f) => gunzipSync(f.data));
  const pixels = images!.subarray(16);
  const classes = labels!.subarray(8);
  return zipSync({
    'x_train.npy': npy('|u1', [8000, 28, 28], pixels.subarray(0, 8000 * 784)),
    'y_train.npy': npy('|u1', [8000], classes.subarray(0, 8000)),
    'x_test.npy': npy('|u1', [2000, 28, 28], pixels.subarray(8000 * 784)),
    'y_test.npy': npy('|u1', [2000], classes.subarray(8000)),
  });
}

/** A mirror directory holding mnist.npz and the SHA256SUMS that vouches for it. */
async function mirrorWith(npz: Uint8Array, sumOf: Uint8Array = npz): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-mirror-'));
  await writeFile(join(dir, 'mnist.npz'), npz);
  await writeFile(join(dir, 'SHA256SUMS'), `${createHash('sha256').update(sumOf).digest('hex')}  mnist.npz\n`);
  return dir;
}

const seedRun = (dataset: object) => ({
  name: 'seed-mnist-cnn',
  model: mnistSequential,
  dataset,
  compile: {
    optimizer: { type: 'adam', learning_rate: 0.001 },
    loss: 'categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 3, batch_size: 32, seed: 42 },
});

describe('the built-in mnist, through a mirror', () => {
  let npz: Uint8Array;
  before(async () => {
    npz = await buildMnistNpz();
  });

  test('resolves through the mirror, verifies its checksum, and the seed CNN reaches ≥ 97 % test accuracy in 3 epochs', async () => {
    const env = await createTestEnvironment({ env: { KILN_DATASET_MIRROR: await mirrorWith(npz) } });
    const api = await startApi(env.config);
    const worker = await startWorker(env.env);
    try {
      const created = await request(
        api.url,
        'POST',
        '/runs',
        seedRun({ id: 'mnist', preprocess: { scale: 1 / 255 }, validationSplit: 0.1 }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed'], 600_000);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
      assert.equal(run.epochs.length, 3);
      const accuracy = run.evaluation.metrics.accuracy;
      console.log(
        `seed CNN on 8,000 real digits, 3 epochs: test accuracy ${(accuracy * 100).toFixed(2)} % on 2,000; epochs ${run.epochs.map((e: any) => `${e.samplesPerSec.toFixed(0)} samples/s`).join(', ')}`,
      );
      assert.ok(accuracy >= 0.97, `test accuracy ${accuracy}`);
      assert.equal(
        run.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0),
        2000,
      );
    } finally {
      await worker.stop();
      await api.close();
      await env.cleanup();
    }
  });

  test('a tampered file is refused and the run fails saying so', async () => {
    const tampered = new Uint8Array(npz);
    tampered[tampered.length - 100] ^= 0xff;
    const env = await createTestEnvironment({ env: { KILN_DATASET_MIRROR: await mirrorWith(tampered, npz) } });
    const api = await startApi(env.config);
    const worker = await startWorker(env.env);
    try {
      const created = await request(api.url, 'POST', '/runs', seedRun({ id: 'mnist', preprocess: { scale: 1 / 255 } }));
      const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed'], 120_000);
      assert.equal(run.status, 'failed');
      assert.match(run.error.message, /sha256 .* expected .*refused/);
    } finally {
      await worker.stop();
      await api.close();
      await env.cleanup();
    }
  });
});

describe('datasets from a URL', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: WorkerProcess;
  let server: Server;
  let base: string;
  const file = npy('<f4', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const labels = npy('<i4', [4], [0, 1, 0, 1]);

  before(async () => {
    // Loopback stands in for a remote host here; that is what KILN_ALLOW_PRIVATE_URLS allows.
    env = await createTestEnvironment({ env: { KILN_ALLOW_PRIVATE_URLS: '1' } });
    api = await startApi(env.config);
    worker = await startWorker(env.env);
    const npz = zipSync({ 'x.npy': file, 'y.npy': labels });
    server = createServer((req, res) =>
      req.url === '/data.npz' ? res.end(Buffer.from(npz)) : res.writeHead(404).end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server?.close();
    await worker?.stop();
    await api?.close();
    await env?.cleanup();
  });

  test('a URL is downloaded and ingested; a checksum mismatch ends it failed', async () => {
    const ok = await request(api.url, 'POST', '/datasets', { name: 'remote', url: `${base}/data.npz` });
    assert.equal(ok.status, 201);
    const ready = await waitForDataset(api.url, ok.body.id);
    assert.equal(ready.status, 'ready', ready.error);
    assert.deepEqual(ready.inputShape, [2]);

    const bad = await request(api.url, 'POST', '/datasets', {
      name: 'remote',
      url: `${base}/data.npz`,
      sha256: '0'.repeat(64),
    });
    const failed = await waitForDataset(api.url, bad.body.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /checksum mismatch/);

    const missing = await request(api.url, 'POST', '/datasets', { name: 'remote', url: `${base}/nope.npz` });
    assert.match((await waitForDataset(api.url, missing.body.id)).error, /HTTP 404/);
  });
});
