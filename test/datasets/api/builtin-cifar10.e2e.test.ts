import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestEnvironment } from '../../helpers/environment.ts';
import { startApi, startWorker } from '../../helpers/processes.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { cifarArchive } from '../fixtures/cifar-writer.ts';
import { digestOf, mirrorOf } from '../fixtures/builtin-mirror.ts';

test('a run on the built-in cifar10 (through a mirror with a SHA256SUMS) trains on [32, 32, 3] images and labels its model with the CIFAR classes', async () => {
  const { archive } = cifarArchive(20);
  const env = await createTestEnvironment({
    env: { KILN_DATASET_MIRROR: await mirrorOf([{ name: 'cifar-10-python.tar.gz', data: archive }]) },
  });
  const api = await startApi(env.config);
  const worker = await startWorker(env.env);
  try {
    const created = await request(api.url, 'POST', '/runs', {
      model: {
        type: 'sequential',
        layers: [
          { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu', inputShape: [32, 32, 3] },
          { type: 'Flatten' },
          { type: 'Dense', units: 10, activation: 'softmax' },
        ],
      },
      dataset: { id: 'cifar10', preprocess: { scale: 1 / 255 }, augment: { flipLeftRight: true } },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 2, batchSize: 25, seed: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed'], 300_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.epochs.length, 2);
    assert.equal(
      run.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      20,
    );
    const model = (await request(api.url, 'GET', `/models/${run.modelId}`)).body;
    assert.deepEqual(model.labels, [
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    const row = await api.app.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.equal(row.datasetSha256, digestOf('sha256', archive));
  } finally {
    await worker.stop();
    await api.close();
    await env.cleanup();
  }
});
