import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../../helpers/stack.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { uploadDataset, waitForDataset } from '../../helpers/datasets.ts';

const COLORS = ['red', 'green', 'blue'];

/** Rows of width, colour and a class that follows from both: the colour matters. */
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const color = COLORS[(i * 7) % 3]!;
    const width = (i % 5) / 2;
    return `${width},${color},${color === 'red' ? 1 : width > 1 ? 1 : 0}`;
  });

describe('categorical CSV columns: one-hot encoded at ingestion, and the same encoding at predict time', () => {
  const stack = useStack();
  let datasetId = '';

  test('the dataset records each categorical column with its values', async () => {
    const csv = new TextEncoder().encode(['width,color,label', ...rows(60)].join('\n'));
    const created = await uploadDataset(stack.api.url, [{ name: 'shapes.csv', data: csv }], {
      name: 'shapes',
      categoricalColumns: 'color',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    datasetId = created.body.id;
    // Sorted values: blue, green, red; width stays one number.
    assert.deepEqual(dataset.featureColumns, [{ name: 'width' }, { name: 'color', values: ['blue', 'green', 'red'] }]);
    assert.deepEqual(dataset.inputShape, [4]);
    const samples = await request(stack.api.url, 'GET', `/datasets/${datasetId}/samples?n=1`);
    // Row 0: width 0, red → [0, 0, 0, 1].
    assert.deepEqual(samples.body.samples[0].x, [0, 0, 0, 1]);
  });

  test('the trained model takes records {column: value} and answers as for the encoded row', async () => {
    const run = await request(stack.api.url, 'POST', '/runs', {
      name: 'shapes-model',
      model: {
        type: 'sequential',
        layers: [
          { type: 'Dense', units: 8, activation: 'relu', inputShape: [4] },
          { type: 'Dense', units: 2, activation: 'softmax' },
        ],
      },
      dataset: { id: datasetId },
      compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
      fit: { epochs: 2, batchSize: 8, seed: 2 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const predict = (instances: unknown[]) =>
      request(stack.api.url, 'POST', '/v1/models/shapes-model:predict', { instances });
    const records = await predict([
      { width: 1.5, color: 'green' },
      { width: '0.5', color: 'red' },
    ]);
    assert.equal(records.status, 200, JSON.stringify(records.body));
    const encoded = await predict([
      [1.5, 0, 1, 0],
      [0.5, 0, 0, 1],
    ]);
    assert.deepEqual(records.body.predictions, encoded.body.predictions);

    const unknown = await predict([{ width: 1, color: 'purple' }]);
    assert.equal(unknown.status, 400);
    assert.match(
      unknown.body.error,
      /instances\[0\]\.color.*"purple" is not one of the values this categorical column was trained on \(blue, green, red\)/,
    );
    const missing = await predict([{ color: 'red' }]);
    assert.equal(missing.status, 400);
    assert.match(missing.body.error, /instances\[0\]\.width.*missing/);
  });

  test('a text feature column not named categorical is refused, saying how to encode it', async () => {
    const csv = new TextEncoder().encode(['width,color,label', ...rows(4)].join('\n'));
    const created = await uploadDataset(stack.api.url, [{ name: 'plain.csv', data: csv }], { name: 'plain' });
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'failed');
    assert.match(dataset.error, /column "color": "red" is not a number .*categoricalColumns/);
  });
});
