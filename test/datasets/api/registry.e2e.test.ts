import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { useStack } from '../../helpers/stack.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { mnistFiles, uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';
import { encodeJpeg, encodePng } from '../fixtures/image-writer.ts';
import * as tf from '@tensorflow/tfjs';
import { artifactIOHandler } from '../../../src/engine/io/artifact-io-handler.ts';
import { FsArtifactStore } from '../../../src/artifacts/fs-artifact-store.ts';

const enc = (text: string) => new TextEncoder().encode(text);

describe('dataset registry: uploads in every format, ingestion by a worker, runs on registered data', () => {
  const stack = useStack({ env: { KILN_MAX_UPLOAD_MB: '2', KILN_MAX_DATASET_FILES: '50' } });

  /** Nothing of a dataset is left in the artifact store (arrays or uploads). */
  const noResidue = (id: string) => {
    for (const dir of ['datasets', 'uploads'])
      assert.ok(!existsSync(join(stack.env.dataDir, 'artifacts', dir, id)), `${dir}/${id} is gone`);
  };

  test('the two real MNIST files give 10,000 samples of 28×28×1 whose first labels are 7 2 1 0 4 1 4 9 5 9', async () => {
    const created = await uploadDataset(stack.api.url, await mnistFiles(), { name: 'mnist-t10k' });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'ingesting');
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    assert.equal(dataset.format, 'idx');
    assert.deepEqual(dataset.inputShape, [28, 28, 1]);
    assert.equal(dataset.dtype, 'uint8');
    assert.equal(
      Object.values(dataset.samples as Record<string, number>).reduce((a, b) => a + b, 0),
      10_000,
    );
    assert.match(dataset.sha256, /^[0-9a-f]{64}$/);
    const samples = (await request(stack.api.url, 'GET', `/datasets/${created.body.id}/samples?n=10`)).body.samples;
    assert.deepEqual(
      samples.map((s: { label: number }) => s.label),
      [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
    );
    assert.match(samples[0].image, /^data:image\/png;base64,/);
    const list = (await request(stack.api.url, 'GET', '/datasets')).body.datasets;
    assert.ok(list.some((d: { id: string }) => d.id === created.body.id));
    assert.ok(
      !existsSync(join(stack.env.dataDir, 'artifacts', 'uploads', created.body.id)),
      'the uploads are removed after ingestion',
    );
  });

  test('NPZ (x_train, y_train, x_test, y_test) round-trips, and a run trains on it by id', async () => {
    const x = Array.from({ length: 40 * 4 }, (_, i) => ((i * 7) % 13) / 13 - 0.5 + (Math.floor(i / 4) % 2 ? 1 : -1));
    const y = Array.from({ length: 40 }, (_, i) => i % 2);
    const npz = zipSync({
      'x_train.npy': npy('<f4', [32, 4], x.slice(0, 128)),
      'y_train.npy': npy('<i8', [32], y.slice(0, 32)),
      'x_test.npy': npy('<f4', [8, 4], x.slice(128)),
      'y_test.npy': npy('|u1', [8], y.slice(32)),
    });
    const created = await uploadDataset(stack.api.url, [{ name: 'blobs.npz', data: npz }], { name: 'blobs' });
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    assert.deepEqual(dataset.samples, { train: 32, test: 8 });
    assert.deepEqual(dataset.inputShape, [4]);
    assert.equal(dataset.dtype, 'float32');

    const run = await request(stack.api.url, 'POST', '/runs', {
      name: 'on-npz',
      model: {
        type: 'sequential',
        layers: [
          { type: 'Dense', units: 8, activation: 'relu', inputShape: [4] },
          { type: 'Dense', units: 2, activation: 'softmax' },
        ],
      },
      dataset: { id: created.body.id, labels: 'oneHot', validationSplit: 0.25 },
      compile: {
        optimizer: { type: 'adam', learningRate: 0.05 },
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
      },
      fit: { epochs: 3, batchSize: 8 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.epochs.length, 3);
    assert.equal(typeof done.epochs[0].metrics.val_loss, 'number');
    assert.equal(
      done.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      8,
      'evaluated on the dataset’s own test split',
    );

    const refused = await request(stack.api.url, 'DELETE', `/datasets/${created.body.id}`);
    assert.equal(refused.status, 204, 'no queued or running run uses it any more');
  });

  test('NPY pair, CSV with string labels, and an image ZIP of PNG and JPEG round-trip', async () => {
    const npyDataset = await uploadDataset(
      stack.api.url,
      [
        { name: 'x.npy', data: npy('<f8', [3, 2], [1, 2, 3, 4, 5, 6]) },
        { name: 'y.npy', data: npy('<i4', [3], [0, 1, 0]) },
      ],
      { name: 'pair' },
    );
    const csv = 'height,weight,species\n1.0,2.0,cat\n1.5,2.5,dog\n"2.0",3.0,cat\n';
    const csvDataset = await uploadDataset(stack.api.url, [{ name: 'animals.csv', data: enc(csv) }], {
      name: 'animals',
      labelColumn: 'species',
    });
    const red = () => [220, 10, 10] as [number, number, number];
    const blue = () => [10, 10, 220] as [number, number, number];
    const zip = zipSync({
      'red/a.png': encodePng(12, 10, red),
      'red/b.jpg': encodeJpeg(12, 10, red),
      'blue/c.png': encodePng(8, 8, blue),
    });
    const zipDataset = await uploadDataset(stack.api.url, [{ name: 'colours.zip', data: zip }], {
      name: 'colours',
      size: '6x6',
      channels: '3',
    });

    const [a, b, c] = await Promise.all(
      [npyDataset, csvDataset, zipDataset].map((d) => waitForDataset(stack.api.url, d.body.id)),
    );
    assert.equal(a.status, 'ready', a.error);
    assert.deepEqual([a.format, a.inputShape, a.samples.train], ['npy', [2], 3]);
    assert.equal(b.status, 'ready', b.error);
    assert.deepEqual([b.format, b.inputShape, b.classes], ['csv', [2], ['cat', 'dog']]);
    assert.equal(c.status, 'ready', c.error);
    assert.deepEqual(
      [c.format, c.inputShape, c.classes, c.samples.train],
      ['image-zip', [6, 6, 3], ['blue', 'red'], 3],
    );
    const samples = (await request(stack.api.url, 'GET', `/datasets/${c.id}/samples?n=3`)).body.samples;
    assert.deepEqual(samples.map((s: { className: string }) => s.className).sort(), ['blue', 'red', 'red']);

    // A run's splits of a registered dataset are counted at submission, as for inline data: 0.7 of
    // the CSV's 3 rows holds out all 3 (Keras' count), 0.3 holds out 1.
    const onAnimals = (validationSplit: number) => ({
      model: { type: 'sequential', layers: [{ type: 'Dense', units: 2, activation: 'softmax', inputShape: [2] }] },
      dataset: { id: b.id },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1, validation_split: validationSplit },
    });
    const refused = await request(stack.api.url, 'POST', '/runs?dryRun=true', onAnimals(0.7));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.details[0].path, 'fit.validationSplit');
    assert.match(refused.body.error.details[0].message, /holds out all 3/);
    const accepted = await request(stack.api.url, 'POST', '/runs?dryRun=true', onAnimals(0.3));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  });

  test('an image dataset → a run → a model that answers base64 PNGs with the class names, preprocessed as in training', async () => {
    const red = () => [230, 20, 20] as [number, number, number];
    const blue = () => [20, 20, 230] as [number, number, number];
    const entries: Record<string, Uint8Array> = {};
    // PNG and JPEG, at sizes other than the declared 6x6: each is decoded and resized.
    for (let i = 0; i < 12; i++) {
      entries[`red/${i}.${i % 2 ? 'jpg' : 'png'}`] = i % 2 ? encodeJpeg(9, 7, red) : encodePng(6, 6, red);
      entries[`blue/${i}.${i % 2 ? 'png' : 'jpeg'}`] = i % 2 ? encodePng(8, 8, blue) : encodeJpeg(6, 6, blue);
    }
    const created = await uploadDataset(stack.api.url, [{ name: 'colours.zip', data: zipSync(entries) }], {
      name: 'colour-classes',
      size: '6x6',
      channels: '3',
    });
    assert.equal((await waitForDataset(stack.api.url, created.body.id)).status, 'ready');
    const run = await request(stack.api.url, 'POST', '/runs', {
      name: 'colour-classifier',
      model: {
        type: 'sequential',
        layers: [
          { type: 'Flatten', inputShape: [6, 6, 3] },
          { type: 'Dense', units: 2, activation: 'softmax' },
        ],
      },
      dataset: { id: created.body.id, preprocess: { scale: 1 / 255 } },
      compile: {
        optimizer: { type: 'adam', learningRate: 0.1 },
        loss: 'sparse_categorical_crossentropy',
        metrics: ['accuracy'],
      },
      fit: { epochs: 10, batchSize: 8 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const model = (await request(stack.api.url, 'GET', `/models/${done.modelId}`)).body;
    assert.deepEqual(model.labels, ['blue', 'red']);
    assert.deepEqual(model.preprocessing, { scale: 1 / 255 });
    const b64 = Buffer.from(encodePng(6, 6, red)).toString('base64');
    const answer = await request(stack.api.url, 'POST', `/models/${done.modelId}/predict`, { instances: [{ b64 }] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.predictions[0].label, 'red');
  });

  test('a run trains on an NPY pair; a CSV model trained with standardize serves raw rows standardized as in training', async () => {
    // NPY: x float64 [n, 2], y int32 [n]; a separable two-class problem.
    const n = 40;
    const xs = Array.from({ length: n }, (_, i) => [i % 2 ? 1 + (i % 5) / 10 : -1 - (i % 5) / 10, (i % 7) / 10]);
    const npyDataset = await uploadDataset(
      stack.api.url,
      [
        { name: 'x.npy', data: npy('<f8', [n, 2], xs.flat()) },
        {
          name: 'y.npy',
          data: npy(
            '<i4',
            [n],
            xs.map((_, i) => i % 2),
          ),
        },
      ],
      { name: 'npy-train' },
    );
    // CSV: features with large offsets (height in cm, weight in kg), where standardization matters.
    const rows = Array.from(
      { length: n },
      (_, i) =>
        [i % 2 ? 180 + (i % 9) : 160 + (i % 9), i % 2 ? 85 + (i % 5) : 60 + (i % 5), i % 2 ? 'dog' : 'cat'] as const,
    );
    const csv = `height,weight,species\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    const csvDataset = await uploadDataset(stack.api.url, [{ name: 'animals.csv', data: enc(csv) }], {
      name: 'animals-std',
    });
    const [npyReady, csvReady] = await Promise.all(
      [npyDataset, csvDataset].map((d) => waitForDataset(stack.api.url, d.body.id)),
    );
    assert.equal(npyReady.status, 'ready', npyReady.error);
    assert.equal(csvReady.status, 'ready', csvReady.error);

    const runOn = (datasetId: string, preprocess?: object) =>
      request(stack.api.url, 'POST', '/runs', {
        model: { type: 'sequential', layers: [{ type: 'Dense', units: 2, activation: 'softmax', inputShape: [2] }] },
        dataset: { id: datasetId, ...(preprocess ? { preprocess } : {}) },
        compile: {
          optimizer: { type: 'adam', learningRate: 0.1 },
          loss: 'sparse_categorical_crossentropy',
          metrics: ['accuracy'],
        },
        fit: { epochs: 5, batchSize: 8, seed: 3 },
      });
    const [npyRun, csvRun] = await Promise.all([runOn(npyReady.id), runOn(csvReady.id, { standardize: true })]);
    const [npyDone, csvDone] = await Promise.all(
      [npyRun, csvRun].map((r) => waitForRun(stack.api.url, r.body.id, ['succeeded', 'failed'])),
    );
    assert.equal(npyDone.status, 'succeeded', JSON.stringify(npyDone.error));
    assert.equal(csvDone.status, 'succeeded', JSON.stringify(csvDone.error));

    // The model records the training set's per-feature statistics (population std), as float32.
    const model = (await request(stack.api.url, 'GET', `/models/${csvDone.modelId}`)).body;
    const column = (k: number) => rows.map((r) => r[k] as number);
    const mean = [0, 1].map((k) => column(k).reduce((a, b) => a + b, 0) / n);
    const std = [0, 1].map((k) => Math.sqrt(column(k).reduce((a, b) => a + (b - mean[k]!) ** 2, 0) / n));
    assert.deepEqual(model.preprocessing, { mean: mean.map(Math.fround), std: std.map(Math.fround) });
    assert.deepEqual(model.labels, ['cat', 'dog']);

    // Raw rows through the api equal the saved model's in-process predict on standardized rows.
    const raw = [
      [165, 62],
      [183, 87],
      [172, 74],
    ];
    const answer = await request(stack.api.url, 'POST', `/models/${csvDone.modelId}/predict`, { instances: raw });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const local = await tf.loadLayersModel(
      artifactIOHandler(new FsArtifactStore(join(stack.env.dataDir, 'artifacts')), `runs/${csvDone.id}/model`),
    );
    const standardized = tf.tensor(raw.map((r) => r.map((v, k) => (v - Math.fround(mean[k]!)) / Math.fround(std[k]!))));
    const expected = (local.predict(standardized) as tf.Tensor).arraySync() as number[][];
    standardized.dispose();
    local.dispose();
    answer.body.predictions.forEach((p: { values: number[] }, i: number) =>
      p.values.forEach((v, c) =>
        assert.ok(Math.abs(v - expected[i]![c]!) < 1e-5, `instance ${i} class ${c}: ${v} vs ${expected[i]![c]}`),
      ),
    );
    assert.deepEqual(
      answer.body.predictions.map((p: { label: string }) => p.label),
      ['cat', 'dog', expected[2]![1]! > 0.5 ? 'dog' : 'cat'],
    );
  });

  test('bad files end the dataset failed with their reason and leave nothing behind', async () => {
    const cases: Array<[string, Array<{ name: string; data: Uint8Array }>, Record<string, string>, RegExp]> = [
      [
        'wrong IDX magic',
        [
          { name: 'a-idx3-ubyte', data: new Uint8Array([0, 0, 9, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5]) },
          (await mnistFiles())[1]!,
        ],
        {},
        /magic|IDX/i,
      ],
      [
        'a non-numeric CSV cell',
        [{ name: 'bad.csv', data: enc('a,b,label\n1,2,x\n3,oops,y\n') }],
        {},
        /row 3.*column "b"|column "b".*row 3/,
      ],
      [
        'a ZIP entry escaping with ..',
        [{ name: 'evil.zip', data: zipSync({ '../evil/a.png': encodePng(2, 2, () => [0, 0, 0]) }) }],
        { size: '2x2', channels: '1' },
        /\.\./,
      ],
      [
        'too many ZIP entries',
        [
          {
            name: 'many.zip',
            data: zipSync(
              Object.fromEntries(
                Array.from({ length: 60 }, (_, i) => [`c/${i}.png`, encodePng(2, 2, () => [1, 1, 1])]),
              ),
            ),
          },
        ],
        { size: '2x2', channels: '1' },
        /entries|files/i,
      ],
      [
        'images and labels of different counts',
        [
          { name: 'x.npy', data: npy('<f4', [3, 2], [1, 2, 3, 4, 5, 6]) },
          { name: 'y.npy', data: npy('<i4', [2], [0, 1]) },
        ],
        {},
        /3.*2|2.*3/,
      ],
    ];
    for (const [what, files, fields, reason] of cases) {
      const created = await uploadDataset(stack.api.url, files, { name: what, ...fields });
      assert.equal(created.status, 201, what);
      const dataset = await waitForDataset(stack.api.url, created.body.id);
      assert.equal(dataset.status, 'failed', what);
      assert.match(dataset.error, reason, `${what}: ${dataset.error}`);
      noResidue(created.body.id);
    }
  });

  test('an upload over KILN_MAX_UPLOAD_MB answers 413 and keeps nothing', async () => {
    const before = await request(stack.api.url, 'GET', '/datasets');
    const big = await uploadDataset(stack.api.url, [{ name: 'big.npy', data: new Uint8Array(3 * 1024 * 1024) }], {
      name: 'big',
    });
    assert.equal(big.status, 413);
    assert.match(big.body.error.message, /KILN_MAX_UPLOAD_MB/);
    assert.equal((await request(stack.api.url, 'GET', '/datasets')).body.datasets.length, before.body.datasets.length);
    const uploads = join(stack.env.dataDir, 'artifacts', 'uploads');
    assert.ok(!existsSync(uploads) || readdirSync(uploads).length === 0);
  });

  test('URLs that are not http(s) or resolve to private addresses are refused at once', async () => {
    for (const url of [
      'file:///etc/passwd',
      'http://127.0.0.1:6379/',
      'http://localhost/x.npz',
      'http://10.1.2.3/x.npz',
    ]) {
      const res = await request(stack.api.url, 'POST', '/datasets', { name: 'x', url });
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.details[0].path, 'url');
    }
  });

  test('runs naming an unknown or unready dataset are refused with the field named', async () => {
    const res = await request(stack.api.url, 'POST', '/runs', {
      model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [4] }] },
      dataset: { id: 'no-such-dataset' },
      compile: { optimizer: 'sgd', loss: 'mse' },
      fit: { epochs: 1 },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].path, 'dataset.id');
  });
});
