import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';

/**
 * Specs that cannot train as asked are refused at submission with a 400 naming the field, rather
 * than queued to fail later in TensorFlow.js, or to "succeed" having ignored part of the spec.
 */
describe('POST /runs refuses specs that could not train as asked', () => {
  const api = inProcessApi();

  const post = (body: unknown, url = '/runs') => api.app.inject({ method: 'POST', url, payload: body as object });

  const x = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  const xor = () => ({
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 2, activation: 'softmax', inputShape: [2] }] },
    dataset: { inline: { x, y: [0, 1, 1, 0] } } as Record<string, unknown>,
    compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] } as Record<
      string,
      unknown
    >,
    fit: { epochs: 1, batch_size: 4 } as Record<string, unknown>,
  });

  const cases: Array<[string, () => unknown, string, RegExp]> = [
    [
      'a sparse label outside [0, classes)',
      () => ({ ...xor(), dataset: { inline: { x, y: [0, 1, 5, 0] } } }),
      'dataset.inline.y',
      /label 5 of sample 2 is outside the valid range \[0, 2\)/,
    ],
    [
      'sparse crossentropy on a 1-unit output',
      () => ({ ...xor(), model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, inputShape: [2] }] } }),
      'compile.loss',
      /output "dense" has 1/,
    ],
    [
      'a class_weight key that is not a class index',
      () => ({ ...xor(), fit: { epochs: 1, class_weight: { a: 1 } } }),
      'fit.classWeight.a',
      /integers 0 to 1/,
    ],
    [
      'a class_weight key far beyond the classes',
      () => ({ ...xor(), fit: { epochs: 1, class_weight: { 0: 1, 1000000000000000: 2 } } }),
      'fit.classWeight.1000000000000000',
      /integers 0 to 1/,
    ],
    [
      'an optimizer argument sgd would drop',
      () => ({ ...xor(), compile: { ...xor().compile, optimizer: { type: 'sgd', decay: 1e-6 } } }),
      'compile.optimizer.decay',
      /sgd/,
    ],
    [
      'an unknown monitor',
      () => ({ ...xor(), callbacks: { early_stopping: { monitor: 'bogus' } } }),
      'callbacks.earlyStopping.monitor',
      /available: loss, accuracy/,
    ],
    [
      'val_loss with no validation data',
      () => ({ ...xor(), callbacks: { reduce_lr_on_plateau: { monitor: 'val_loss' } } }),
      'callbacks.reduceLROnPlateau.monitor',
      /no validation data/,
    ],
    [
      'splits that leave nothing to train on',
      () => ({ ...xor(), dataset: { ...xor().dataset, test_split: 0.75 }, fit: { epochs: 1, validation_split: 0.5 } }),
      'fit.validationSplit',
      /no training samples/,
    ],
    [
      'an output listed twice',
      () => ({
        ...xor(),
        model: {
          type: 'functional',
          inputs: [{ name: 'in', shape: [2] }],
          layers: [{ name: 'o', type: 'Dense', units: 2, activation: 'softmax', inputs: ['in'] }],
          outputs: ['o', 'o'],
        },
        dataset: { inline: { x, y: { o: [0, 1, 1, 0] } } },
      }),
      'model.outputs',
      /listed more than once/,
    ],
    [
      'mnist with sparse labels and a 5-unit output',
      () => ({
        ...xor(),
        model: {
          type: 'sequential',
          layers: [
            { type: 'Flatten', inputShape: [28, 28, 1] },
            { type: 'Dense', units: 5, activation: 'softmax' },
          ],
        },
        dataset: { id: 'mnist', labels: 'sparse' },
      }),
      'model',
      /10 classes but the model's output has 5 units/,
    ],
  ];
  for (const [name, body, path, message] of cases) {
    test(name, async () => {
      const res = await post(body());
      assert.equal(res.statusCode, 400, res.body);
      const { error } = res.json();
      const detail = error.details.find((d: { path: string }) => d.path === path);
      assert.ok(detail, `expected a detail for ${path}, got ${JSON.stringify(error.details)}`);
      assert.match(detail.message, message);
    });
  }

  test("Keras' snake_case dataset fields are accepted", async () => {
    const inline = await post({ ...xor(), dataset: { ...xor().dataset, test_split: 0.25 } }, '/runs?dryRun=true');
    assert.equal(inline.statusCode, 200, inline.body);
    const mnist = await post(
      {
        ...xor(),
        model: {
          type: 'sequential',
          layers: [
            { type: 'Flatten', inputShape: [28, 28, 1] },
            { type: 'Dense', units: 10, activation: 'softmax' },
          ],
        },
        dataset: { id: 'mnist', validation_split: 0.1, augment: { flip_left_right: true } },
      },
      '/runs?dryRun=true',
    );
    assert.equal(mnist.statusCode, 200, mnist.body);
  });

  test('nothing was stored or queued', async () => {
    assert.equal(await api.app.db.prisma.run.count(), 0);
    assert.equal(await api.app.trainingQueue.count(), 0);
  });
});
