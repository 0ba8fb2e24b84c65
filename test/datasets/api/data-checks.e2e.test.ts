import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../../helpers/stack.ts';
import { request, runLogs, waitForRun } from '../../helpers/http.ts';
import { mnistFiles, uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { zipSync } from 'fflate';
import { encodePng } from '../fixtures/image-writer.ts';
import { npy } from '../fixtures/npy-writer.ts';
import { gzipBomb, idxLabelsHeader } from '../fixtures/gzip-bomb.ts';

/** A classifier of 28×28×1 images with `units` softmax outputs, trained with sparse labels. */
const sparseRun = (datasetId: string, units: number) => ({
  model: {
    type: 'sequential',
    layers: [
      { type: 'Flatten', inputShape: [28, 28, 1] },
      { type: 'Dense', units, activation: 'softmax' },
    ],
  },
  dataset: { id: datasetId },
  compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
  fit: { epochs: 1, batchSize: 32 },
});

describe('registered datasets are checked against the run at submission: labels, splits, shapes', () => {
  // A mirror where nothing answers (port 2 is unassigned, and no test listens on it): built-ins are offline.
  const mirror = 'http://127.0.0.1:2/kiln-mirror/';
  const stack = useStack({ env: { KILN_DATASET_MIRROR: mirror, KILN_MAX_CSV_COLUMNS: '5000' } });
  let mnist = '';

  test('the real MNIST files ingest, recording their label range', async () => {
    const created = await uploadDataset(stack.api.url, await mnistFiles(), { name: 'mnist-t10k' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    mnist = created.body.id;
  });

  test('sparse_categorical_crossentropy with 5 units on MNIST labels 0–9 is a 400 naming model, the units and the label range (dry run and submission)', async () => {
    for (const url of ['/runs?dryRun=true', '/runs']) {
      const res = await request(stack.api.url, 'POST', url, sparseRun(mnist, 5));
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      const issue = res.body.error.details[0];
      assert.equal(issue.path, 'model');
      assert.match(issue.message, /labels range from 0 to 9/);
      assert.match(issue.message, /outside the valid range \[0, 5\)/);
      assert.match(issue.message, /5 units, sparse_categorical_crossentropy/);
    }
    assert.equal((await request(stack.api.url, 'GET', '/runs')).body.runs.length, 0, 'no run was created');
    const fits = await request(stack.api.url, 'POST', '/runs?dryRun=true', sparseRun(mnist, 10));
    assert.equal(fits.status, 200, JSON.stringify(fits.body));
  });

  test('dataset.validationSplit with fit.validation_split is a 400 naming both, and creates no run', async () => {
    const spec = sparseRun(mnist, 10);
    const both = { ...spec, dataset: { id: mnist, validationSplit: 0.3 }, fit: { ...spec.fit, validation_split: 0.1 } };
    for (const url of ['/runs?dryRun=true', '/runs']) {
      const res = await request(stack.api.url, 'POST', url, both);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.details[0].path, 'dataset.validationSplit');
      assert.match(
        res.body.error.details[0].message,
        /dataset\.validationSplit \(0\.3\) and fit\.validationSplit \(0\.1\)/,
      );
    }
    assert.equal((await request(stack.api.url, 'GET', '/runs')).body.runs.length, 0);
  });

  test('a Dense model on [784] fed MNIST\'s [28, 28, 1] is a 400 naming both shapes; with "reshape": true it trains', async () => {
    const dense = (dataset: Record<string, unknown>) => ({
      model: {
        type: 'sequential',
        layers: [{ type: 'Dense', units: 10, activation: 'softmax', inputShape: [784] }],
      },
      dataset: { id: mnist, preprocess: { scale: 1 / 255 }, limit: 256, ...dataset },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1, batchSize: 64 },
    });
    const refused = await request(stack.api.url, 'POST', '/runs', dense({}));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.details[0].path, 'dataset.reshape');
    assert.match(refused.body.error.details[0].message, /\[28, 28, 1\] but the model's input expects \[784\]/);
    const run = await request(stack.api.url, 'POST', '/runs', dense({ reshape: true }));
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  });

  test('a 10-class folder ZIP with validationSplit 0.15 and testSplit 0.15: every split holds every class', async () => {
    // 100 images per class folder: stored in folder order, the last 30 % of the rows were classes 7–9.
    const files: Record<string, Uint8Array> = {};
    for (let c = 0; c < 10; c++)
      for (let i = 0; i < 100; i++) files[`class${c}/${i}.png`] = encodePng(2, 2, () => [c * 25, 255 - c * 25, i]);
    const created = await uploadDataset(stack.api.url, [{ name: 'classes.zip', data: zipSync(files) }], {
      name: 'ten-classes',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    const run = await request(stack.api.url, 'POST', '/runs', {
      model: {
        type: 'sequential',
        layers: [
          { type: 'Flatten', inputShape: [2, 2, 3] },
          { type: 'Dense', units: 10, activation: 'softmax' },
        ],
      },
      dataset: { id: created.body.id, preprocess: { scale: 1 / 255 }, validationSplit: 0.15, testSplit: 0.15 },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      fit: { epochs: 1, batchSize: 64 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const confusion = done.evaluation.confusion as number[][];
    assert.equal(confusion.length, 10);
    confusion.forEach((row, c) => assert.ok(row.reduce((a, b) => a + b, 0) > 0, `the test split holds class ${c}`));
    const logs = await runLogs(stack.api.url, run.body.id);
    assert.ok(
      logs.some(
        (l) =>
          l.message ===
          'splits: train 722 rows (10 classes), validation 128 rows (10 classes), test 150 rows (10 classes)',
      ),
      JSON.stringify(logs),
    );
    assert.deepEqual(
      logs.filter((l) => l.level === 'warn'),
      [],
    );
  });

  test('a run whose test split holds a class its training rows lack says so in its log', async () => {
    // Rows sorted by label (as many exports are): the last quarter is all class 3.
    const created = await uploadDataset(
      stack.api.url,
      [
        {
          name: 'x.npy',
          data: npy(
            '<f4',
            [40, 2],
            Array.from({ length: 80 }, (_, i) => (i % 7) / 7),
          ),
        },
        {
          name: 'y.npy',
          data: npy(
            '<i4',
            [40],
            Array.from({ length: 40 }, (_, i) => Math.floor(i / 10)),
          ),
        },
      ],
      { name: 'sorted' },
    );
    assert.equal((await waitForDataset(stack.api.url, created.body.id)).status, 'ready');
    const run = await request(stack.api.url, 'POST', '/runs', {
      model: { type: 'sequential', layers: [{ type: 'Dense', units: 4, activation: 'softmax', inputShape: [2] }] },
      dataset: { id: created.body.id, testSplit: 0.25 },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 1, batchSize: 8 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    const warnings = (await runLogs(stack.api.url, run.body.id)).filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!.message, /the test split holds class 3 that no training row has/);
  });

  test('a run on a built-in dataset that cannot be fetched fails naming the URL tried and how to provide a mirror', async () => {
    const run = await request(stack.api.url, 'POST', '/runs', sparseRun('mnist', 10));
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'failed');
    const message: string = done.error.message;
    assert.ok(message.includes(`${mirror}mnist.npz: fetch failed: connect ECONNREFUSED`), message);
    assert.match(message, /KILN_DATASET_MIRROR must be a directory or http\(s\) base URL that holds mnist\.npz/);
    assert.match(message, /SHA256SUMS/);
  });

  test('a CSV wider than KILN_MAX_CSV_COLUMNS fails its ingestion naming the setting; one within it is ingested', async () => {
    const csv = (features: number) => {
      const header = Array.from({ length: features }, (_, i) => `x${i}`).join(',') + ',label\n';
      return new TextEncoder().encode(header + '1,'.repeat(features) + '0\n' + '2,'.repeat(features) + '1\n');
    };
    const wide = await uploadDataset(stack.api.url, [{ name: 'wide.csv', data: csv(5000) }], { name: 'wide' });
    assert.equal(wide.status, 201, JSON.stringify(wide.body));
    const failed = await waitForDataset(stack.api.url, wide.body.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /wide\.csv: row 1 has more than 5000 columns, the most KILN_MAX_CSV_COLUMNS allows/);
    const fits = await uploadDataset(stack.api.url, [{ name: 'fits.csv', data: csv(4999) }], { name: 'fits' });
    const ready = await waitForDataset(stack.api.url, fits.body.id);
    assert.equal(ready.status, 'ready', ready.error);
    assert.deepEqual(ready.inputShape, [4999]);
  });

  test('a gzip bomb (a small IDX declared, then 256 MiB of zeros) fails its ingestion saying so, and the worker goes on', async () => {
    const head = new Uint8Array([...idxLabelsHeader(10), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bomb = await gzipBomb(head, 256 * 1024 ** 2);
    const created = await uploadDataset(stack.api.url, [{ name: 'train-labels-idx1-ubyte.gz', data: bomb }], {
      name: 'bomb',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const failed = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(failed.status, 'failed');
    assert.match(
      failed.error,
      /train-labels-idx1-ubyte\.gz inflates to more than the 18 bytes its IDX header declares \(shape \[10\]\); refused without inflating the rest/,
    );
    // The same worker ingests the next dataset.
    const next = await uploadDataset(stack.api.url, await mnistFiles(), { name: 'after-the-bomb' });
    assert.equal((await waitForDataset(stack.api.url, next.body.id)).status, 'ready');
  });
});
