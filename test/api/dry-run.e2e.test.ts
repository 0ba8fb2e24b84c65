import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';
import {
  MNIST_PARAMS,
  MNIST_SHAPES,
  mnistFunctional,
  mnistKeras2Json,
  mnistSequential,
} from '../engine/model/fixtures.ts';

const images = (n: number) =>
  Array.from({ length: n }, () => Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => [0])));
const oneHot = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 1 : 0)));

/** The seed's MNIST CNN as a run spec, with the model in any of the three forms. */
const mnistRun = (model: unknown) => ({
  model,
  dataset: { inline: { x: images(4), y: oneHot(4) } },
  compile: {
    optimizer: { type: 'adam', learningRate: 0.001 },
    loss: 'categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 1, batchSize: 2 },
});

describe('POST /runs?dryRun=true answers the Keras summary of the seed MNIST CNN', () => {
  const api = inProcessApi();

  const forms = {
    sequential: mnistSequential,
    functional: mnistFunctional,
    'Keras 2 model.to_json()': { type: 'keras', config: JSON.parse(mnistKeras2Json) },
  };
  for (const [form, model] of Object.entries(forms)) {
    test(`${form}: 130,890 parameters and the seed's output shapes`, async () => {
      const res = await api.app.inject({ method: 'POST', url: '/runs?dryRun=true', payload: mnistRun(model) });
      assert.equal(res.statusCode, 200, res.body);
      const { summary } = res.json();
      assert.equal(summary.totalParams, 130_890);
      assert.equal(summary.trainableParams, 130_890);
      const layers = summary.layers.filter((l: { type: string }) => l.type !== 'InputLayer');
      assert.deepEqual(
        layers.map((l: { outputShape: number[] }) => l.outputShape),
        MNIST_SHAPES,
      );
      assert.deepEqual(
        layers.map((l: { params: number }) => l.params),
        MNIST_PARAMS,
      );
    });
  }

  test('a model over KILN_MAX_PARAMS is refused, naming the limit', async () => {
    const huge = { type: 'sequential', layers: [{ type: 'Dense', units: 100_000, inputShape: [1000] }] };
    const res = await api.app.inject({
      method: 'POST',
      url: '/runs?dryRun=true',
      payload: { ...mnistRun(huge), dataset: { inline: { x: [[...Array(1000).fill(0)]], y: [[0]] } } },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /50,?000,?000|maximum|limit/i);
  });

  test('an Add of different shapes names the layer', async () => {
    const model = {
      type: 'functional',
      inputs: [{ name: 'a', shape: [4] }],
      layers: [
        { name: 'd1', type: 'Dense', units: 3, inputs: ['a'] },
        { name: 'sum', type: 'Add', inputs: ['a', 'd1'] },
      ],
      outputs: ['sum'],
    };
    const res = await api.app.inject({
      method: 'POST',
      url: '/runs?dryRun=true',
      payload: {
        ...mnistRun(model),
        dataset: { inline: { x: [[1, 2, 3, 4]], y: [[1, 2, 3, 4]] } },
        compile: { optimizer: 'sgd', loss: 'mse' },
      },
    });
    assert.equal(res.statusCode, 400);
    const detail = res.json().error.details[0];
    assert.match(detail.path, /^model\.layers\[1\]/);
    assert.match(detail.message, /"sum"/);
  });
});
