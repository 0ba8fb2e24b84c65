import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { useStack } from '../../helpers/stack.ts';
import { request, waitForRun } from '../../helpers/http.ts';
import { uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';

/** n rows of 4 features whose class (0–2) follows from them, from a seeded generator. */
function rows(n: number, seed: number) {
  let state = seed;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => random() * 2 - 1));
  const y = x.map(([a, b]) => (a! + b! > 0.5 ? 2 : a! > 0 ? 1 : 0));
  return { x, y };
}

const npz = ({ x, y }: ReturnType<typeof rows>, arrays: [string, string] = ['x', 'y']) =>
  zipSync({
    [`${arrays[0]}.npy`]: npy('<f4', [x.length, 4], x.flat()),
    [`${arrays[1]}.npy`]: npy('<i4', [y.length], y),
  });

/** Keras' sparse categorical crossentropy of predicted probabilities, averaged over the rows. */
const crossentropy = (probabilities: number[][], labels: number[]) =>
  probabilities.reduce((sum, p, i) => sum - Math.log(Math.max(p[labels[i]!]!, 1e-7)), 0) / labels.length;

const run = (datasetId: string, extra: Record<string, unknown> = {}) => ({
  name: 'held-out',
  model: {
    type: 'sequential',
    layers: [
      { type: 'Dense', units: 8, activation: 'relu', inputShape: [4] },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  dataset: { id: datasetId },
  compile: { optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'sparse_categorical_crossentropy' },
  fit: { epochs: 3, batchSize: 8, seed: 3 },
  ...extra,
});

describe('validationData and testData: separate registered datasets validate and evaluate a run', () => {
  const stack = useStack();
  const [train, validation, testRows] = [rows(64, 1), rows(16, 2), rows(12, 3)];
  const ids: Record<string, string> = {};

  test('the three datasets ingest', async () => {
    const named = { name: 'named', data: npz(train, ['features', 'label']) };
    for (const [name, data] of [
      ['train', npz(train)],
      ['validation', npz(validation)],
      ['test', npz(testRows)],
      ['named', named.data],
    ] as const) {
      const created = await uploadDataset(stack.api.url, [{ name: `${name}.npz`, data }], { name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await waitForDataset(stack.api.url, created.body.id)).status, 'ready');
      ids[name] = created.body.id;
    }
  });

  test('val_loss is computed on the validation dataset alone, and the evaluation on the test dataset', async () => {
    const created = await request(
      stack.api.url,
      'POST',
      '/runs',
      run(ids.train!, { validationData: { id: ids.validation }, test_data: { id: ids.test } }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    // The stored model's own predictions on each dataset give the losses the run reported.
    const predict = async (x: number[][]) => {
      const res = await request(stack.api.url, 'POST', '/v1/models/held-out:predict', { instances: x });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.predictions as number[][];
    };
    const valLoss = done.epochs.at(-1).metrics.val_loss;
    const expectedVal = crossentropy(await predict(validation.x), validation.y);
    assert.ok(
      Math.abs(valLoss - expectedVal) < 1e-4,
      `val_loss ${valLoss} vs ${expectedVal} on the validation dataset`,
    );
    const trainLoss = crossentropy(await predict(train.x), train.y);
    assert.ok(Math.abs(valLoss - trainLoss) > 1e-3, 'the validation rows are not the training rows');
    const testLoss = done.evaluation.metrics.loss;
    const expectedTest = crossentropy(await predict(testRows.x), testRows.y);
    assert.ok(Math.abs(testLoss - expectedTest) < 1e-4, `test loss ${testLoss} vs ${expectedTest} on the test dataset`);
  });

  test('held-out datasets that cannot be used are 400s naming the field, and create no run', async () => {
    const before = (await request(stack.api.url, 'GET', '/runs')).body.runs.length;
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [run(ids.train!, { validationData: { id: 'nope' } }), 'validationData.id', /no dataset "nope"/],
      [
        run(ids.train!, { validationData: { id: ids.validation }, fit: { epochs: 1, validationSplit: 0.2 } }),
        'validationData',
        /fit.validationSplit both set the validation data; give only one/,
      ],
      [
        run(ids.train!, { testData: { id: ids.test }, dataset: { id: ids.train, testSplit: 0.1 } }),
        'testData',
        /dataset.testSplit both set the test data/,
      ],
      [
        run(ids.train!, { validationData: { id: ids.named } }),
        'validationData.id',
        /holds named arrays but the run's dataset holds x and y/,
      ],
      [
        run(ids.train!, {
          dataset: { inline: { x: validation.x, y: validation.y } },
          validationData: { id: ids.validation },
        }),
        'validationData',
        /needs the run's dataset to be given by id too/,
      ],
    ];
    for (const [spec, path, message] of cases) {
      const res = await request(stack.api.url, 'POST', '/runs', spec);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
      assert.ok(issue, `${path}: ${JSON.stringify(res.body.error.details)}`);
      assert.match(issue.message, message);
    }
    assert.equal((await request(stack.api.url, 'GET', '/runs')).body.runs.length, before, 'no run was created');
  });
});
