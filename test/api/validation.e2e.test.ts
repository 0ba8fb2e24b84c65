import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';
import { denseRunSpec } from '../helpers/specs.ts';

describe('bad input answers 400 naming the field, and nothing is stored or queued', () => {
  const api = inProcessApi();

  const post = (body: unknown, url = '/runs') => api.app.inject({ method: 'POST', url, payload: body as object });

  const cases: Array<[string, (spec: any) => unknown, string, RegExp]> = [
    ['missing compile', (s) => ({ ...s, compile: undefined }), 'compile', /required/],
    [
      'negative epochs (0 is an evaluation only)',
      (s) => ({ ...s, fit: { ...s.fit, epochs: -1 } }),
      'fit.epochs',
      />= 0/,
    ],
    ['a misspelled fit field', (s) => ({ ...s, fit: { ...s.fit, epocs: 2 } }), 'fit.epocs', /not a known field/],
    [
      'an unknown loss',
      (s) => ({ ...s, compile: { ...s.compile, loss: 'crossentropy_of_doom' } }),
      'compile.loss',
      /./,
    ],
    [
      'an unknown layer type',
      (s) => ({ ...s, model: { ...s.model, layers: [{ type: 'Dense2', units: 3, inputShape: [4] }] } }),
      'model.layers[0].type',
      /unknown layer type "Dense2"/,
    ],
    [
      'data that does not fit the input',
      (s) => ({
        ...s,
        dataset: { inline: { x: s.dataset.inline.x.map((r: number[]) => r.slice(0, 3)), y: s.dataset.inline.y } },
      }),
      'dataset.inline.x',
      /expects \[4\]/,
    ],
    [
      'ragged data',
      (s) => ({
        ...s,
        dataset: {
          inline: {
            x: [
              [1, 2, 3, 4],
              [1, 2],
            ],
            y: [
              [0, 1],
              [1, 0],
            ],
          },
        },
      }),
      'dataset.inline.x',
      /rectangular/,
    ],
    [
      'x and y of different lengths',
      (s) => ({ ...s, dataset: { inline: { x: s.dataset.inline.x, y: s.dataset.inline.y.slice(1) } } }),
      'dataset.inline',
      /different numbers/,
    ],
    [
      'a loss for an output the model lacks',
      (s) => ({ ...s, compile: { ...s.compile, loss: { price: 'mse' } } }),
      'compile.loss.price',
      /no model output/,
    ],
  ];

  for (const [name, mutate, path, message] of cases) {
    test(name, async () => {
      const res = await post(mutate(denseRunSpec()));
      assert.equal(res.statusCode, 400, res.body);
      const { error } = res.json();
      const detail = error.details.find((d: { path: string }) => d.path === path);
      assert.ok(detail, `expected a detail for ${path}, got ${JSON.stringify(error.details)}`);
      assert.match(detail.message, message);
      assert.ok(error.message.startsWith(path) || error.details.length > 1);
    });
  }

  test('a body that is not JSON is a 400, not a 500', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/runs',
      payload: '{"model":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().error.message);
  });

  test('Keras spellings are accepted: batch_size, learning_rate, "categorical_crossentropy", "acc"', async () => {
    const spec = denseRunSpec();
    const res = await post(
      {
        ...spec,
        fit: { epochs: 1, batch_size: 8, validation_split: 0.25 },
        compile: {
          optimizer: { type: 'Adam', learning_rate: 0.01 },
          loss: 'categorical_crossentropy',
          metrics: ['acc'],
        },
      },
      '/runs?dryRun=true',
    );
    assert.equal(res.statusCode, 200, res.body);
  });

  test('dryRun answers the summary and stores nothing', async () => {
    const res = await post(denseRunSpec(), '/runs?dryRun=true');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().summary.totalParams, 4 * 16 + 16 + 16 * 2 + 2);
    assert.equal(await api.app.db.prisma.run.count(), 0);
    assert.equal(await api.app.trainingQueue.count(), 0);
  });

  test('no invalid request left a run or a job behind', async () => {
    assert.equal(await api.app.db.prisma.run.count(), 0);
    assert.equal(await api.app.trainingQueue.count(), 0);
  });
});
