import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestEnvironment, type TestEnvironment } from '../../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../../helpers/processes.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { digestOf, fashionFiles, mirrorOf } from '../fixtures/builtin-mirror.ts';

const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const fashionRun = {
  name: 'fashion-linear',
  model: {
    type: 'sequential',
    layers: [
      { type: 'Flatten', inputShape: [28, 28, 1] },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  dataset: { id: 'fashion_mnist', preprocess: { scale: 1 / 255 } },
  compile: {
    optimizer: { type: 'adam', learningRate: 0.01 },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 5, batchSize: 20, seed: 7 },
};

describe('the built-in fashion_mnist, through a mirror with a SHA256SUMS', () => {
  const files = fashionFiles(200, 50);
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: WorkerProcess;
  before(async () => {
    env = await createTestEnvironment({ env: { KILN_DATASET_MIRROR: await mirrorOf(files) } });
    api = await startApi(env.config);
    worker = await startWorker(env.env);
  });
  after(async () => {
    await worker?.stop();
    await api?.close();
    await env?.cleanup();
  });

  test('a run on {"id": "fashion_mnist"} trains, records the sha256 of the files it used, and its model names the classes', async () => {
    const created = await request(api.url, 'POST', '/runs', fashionRun);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed'], 300_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.epochs.length, 5);
    // The dataset's own t10k split is the test set.
    assert.equal(
      run.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      50,
    );
    assert.ok(run.evaluation.metrics.accuracy >= 0.9, `test accuracy ${run.evaluation.metrics.accuracy}`);

    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : 1));
    const row = await api.app.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.datasetSha256, digestOf('sha256', Buffer.concat(sorted.map((f) => f.data))));

    const model = (await request(api.url, 'GET', `/models/${run.modelId}`)).body;
    assert.deepEqual(model.labels, FASHION_CLASSES);
    const cached = await readdir(join(env.dataDir, 'datasets', 'builtin', 'fashion_mnist'));
    assert.deepEqual(cached.sort(), files.map((f) => f.name).sort());
  });
});

describe('the built-in fashion_mnist, with a tampered file on the mirror', () => {
  test('the run fails naming the refused file, and nothing is cached', async () => {
    const files = fashionFiles(40, 10);
    const tampered = files.map((f) =>
      f.name === 't10k-images-idx3-ubyte.gz'
        ? { ...f, data: Uint8Array.from(f.data, (b, i) => (i === f.data.length - 30 ? b ^ 0xff : b)) }
        : f,
    );
    const env = await createTestEnvironment({ env: { KILN_DATASET_MIRROR: await mirrorOf(tampered, files) } });
    const api = await startApi(env.config);
    const worker = await startWorker(env.env);
    try {
      const created = await request(api.url, 'POST', '/runs', fashionRun);
      const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed'], 120_000);
      assert.equal(run.status, 'failed');
      assert.match(
        run.error.message,
        /fashion_mnist\/t10k-images-idx3-ubyte\.gz: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; the file was refused/,
      );
      assert.deepEqual(await readdir(join(env.dataDir, 'datasets', 'builtin', 'fashion_mnist')).catch(() => []), []);
    } finally {
      await worker.stop();
      await api.close();
      await env.cleanup();
    }
  });
});
