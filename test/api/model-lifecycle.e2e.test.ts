import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, waitForRun } from '../helpers/http.ts';
import { mnistFiles, uploadDataset, waitForDataset } from '../helpers/datasets.ts';
import { mnistPixelRows } from '../helpers/mnist.ts';
import { useStack } from '../helpers/stack.ts';

/** A small CNN on part of the MNIST test set (raw pixels in the dataset, 1/255 in the run). */
const cnnRun = (datasetId: string) => ({
  name: 'lifecycle-digits',
  model: {
    type: 'sequential',
    layers: [
      { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] },
      { type: 'MaxPooling2D', pool_size: 2 },
      { type: 'Flatten' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  dataset: { id: datasetId, preprocess: { scale: 1 / 255 }, limit: 600, validationSplit: 0.2, testSplit: 0.2 },
  compile: {
    optimizer: { type: 'adam', learning_rate: 0.01 },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 2, batch_size: 32 },
  callbacks: { model_checkpoint: { monitor: 'val_accuracy', save_best_only: true } },
});

type Part = { name: string; data: Uint8Array };

async function importModel(url: string, name: string, files: Part[]) {
  const form = new FormData();
  form.append('name', name);
  for (const f of files) form.append('file', new Blob([f.data]), f.name);
  const res = await fetch(`${url}/models`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}

const largestDifference = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i]![k]!))));

describe('a model trained by Kiln: exported and imported again, fine-tuned, evaluated, its checkpoint registered', () => {
  const stack = useStack();
  const digits = mnistPixelRows(16);
  let datasetId: string;
  let run: any;

  before(async () => {
    const created = await uploadDataset(stack.api.url, await mnistFiles(), { name: 'lifecycle-mnist' });
    datasetId = (await waitForDataset(stack.api.url, created.body.id)).id;
    const submitted = await request(stack.api.url, 'POST', '/runs', cnnRun(datasetId));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    run = await waitForRun(stack.api.url, submitted.body.id, ['succeeded', 'failed'], 180_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  });

  const predict = async (ref: string, instances: unknown[]) => {
    const res = await request(stack.api.url, 'POST', `/models/${encodeURIComponent(ref)}/predict`, { instances });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.predictions as { values: number[] }[]).map((p) => p.values);
  };

  test('.keras and .h5 downloads, imported again without preprocess, predict on raw pixels what Kiln predicts, within 1e-5', async () => {
    const original = await predict(run.modelId, digits);
    for (const format of ['keras', 'h5']) {
      const res = await fetch(`${stack.api.url}/models/${run.modelId}/download?format=${format}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`lifecycle-digits-v1\\.${format}`));
      const again = await importModel(stack.api.url, `kiln-made-${format}`, [
        { name: `m.${format}`, data: new Uint8Array(await res.arrayBuffer()) },
      ]);
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const diff = largestDifference(await predict(again.body.id, digits), original);
      assert.ok(diff < 1e-5, `${format}: largest difference ${diff}`);
    }
  });

  test('transfer learning: the base frozen up to flatten with a new head; the dry run counts the base as non-trainable', async () => {
    const spec = {
      name: 'lifecycle-transfer',
      model: {
        type: 'transfer',
        base: 'lifecycle-digits@1',
        upTo: 'flatten',
        trainable: false,
        layers: [{ type: 'Dense', units: 10, activation: 'softmax', name: 'head' }],
      },
      dataset: { id: datasetId, limit: 300, validationSplit: 0.2 },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 1, batch_size: 32 },
    };
    const dry = await request(stack.api.url, 'POST', '/runs?dryRun=true', spec);
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    const { summary } = dry.body;
    const layers = summary.layers.map((l: { name: string; type: string }) => l.type);
    assert.equal(layers[1], 'Rescaling', "the base's 1/255 is a layer of the new model");
    assert.ok(layers.includes('Conv2D') && layers.at(-1) === 'Dense');
    assert.equal(summary.nonTrainableParams, 4 * 9 + 4, 'the frozen Conv2D');
    assert.equal(summary.trainableParams, 13 * 13 * 4 * 10 + 10, 'the new head');

    const created = await request(stack.api.url, 'POST', '/runs', spec);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const transfer = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed'], 180_000);
    assert.equal(transfer.status, 'succeeded', JSON.stringify(transfer.error));
    assert.equal(transfer.spec.model.base, 'lifecycle-digits@1', 'the run keeps the spec as written');
    // Raw pixels in: the base's scaling travels with the model.
    assert.equal((await predict(transfer.modelId, digits)).length, 16);

    const unknown = await request(stack.api.url, 'POST', '/runs?dryRun=true', {
      ...spec,
      model: { ...spec.model, base: 'no-such-model' },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].path, 'model.base');
    const badCut = await request(stack.api.url, 'POST', '/runs?dryRun=true', {
      ...spec,
      model: { ...spec.model, upTo: 'nope' },
    });
    assert.equal(badCut.status, 400);
    assert.match(badCut.body.error.message, /model\.upTo: the base model has no layer "nope"/);
  });

  test('evaluating a registered model on a dataset: a run that trains nothing, with the confusion matrix, and no new model', async () => {
    const created = await request(stack.api.url, 'POST', '/models/lifecycle-digits@1/evaluate', {
      dataset: { id: datasetId, limit: 200 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const evaluation = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(evaluation.status, 'succeeded', JSON.stringify(evaluation.error));
    assert.deepEqual(evaluation.epochs, []);
    assert.equal(evaluation.modelId, null);
    assert.equal(evaluation.evaluation.confusion.length, 10);
    assert.equal(
      evaluation.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      200,
      'every row of the dataset',
    );
    // The trained weights were loaded (an untrained CNN scores about 0.1 on ten classes).
    assert.ok(evaluation.evaluation.metrics.accuracy > 0.5, `accuracy ${evaluation.evaluation.metrics.accuracy}`);
  });

  test("the best checkpoint is registered as a model version and downloaded; it predicts as the run's epoch did", async () => {
    const best = run.bestCheckpoint;
    assert.ok(best, 'ModelCheckpoint kept a best checkpoint');
    const registered = await request(stack.api.url, 'POST', `/runs/${run.id}/checkpoints/best/register`, {
      name: 'lifecycle-best',
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.deepEqual(registered.body.source, {
      kind: 'checkpoint',
      runId: run.id,
      checkpoint: 'best',
      epoch: best.epoch,
    });
    assert.deepEqual(registered.body.preprocessing, { scale: 1 / 255 });
    assert.equal((await predict('lifecycle-best', digits)).length, 16);
    const download = await fetch(`${stack.api.url}/runs/${run.id}/checkpoints/best/download?format=keras`);
    assert.equal(download.status, 200);
    assert.equal((await request(stack.api.url, 'POST', `/runs/${run.id}/checkpoints/nope/register`, {})).status, 400);
  });
});
