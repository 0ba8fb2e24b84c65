// Keras' declarative training options through the api and a real worker: an optimizer with a
// learning-rate schedule, gradient clipping and a Keras loss object trains, and every epoch event
// carries the rate the schedule gives; what cannot go together is a 400 naming the field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

const schedule = {
  module: 'keras.optimizers.schedules',
  class_name: 'ExponentialDecay',
  config: { initial_learning_rate: 0.05, decay_steps: 2, decay_rate: 0.8, staircase: true, name: 'ExponentialDecay' },
  registered_name: null,
};

/** The dense classifier on 64 blobs (48 training rows in batches of 16: 3 steps an epoch), with Keras options. */
function kerasOptionsSpec() {
  const spec = denseRunSpec({ name: 'keras-options', epochs: 4 });
  return {
    ...spec,
    model: {
      ...spec.model,
      // Logits out: the loss object's from_logits applies the softmax.
      layers: [spec.model.layers[0], { type: 'Dense', units: 2 }],
    },
    compile: {
      optimizer: { type: 'AdamW', learning_rate: schedule, clipnorm: 1, weight_decay: 0.01 },
      loss: { class_name: 'CategoricalCrossentropy', config: { from_logits: true, label_smoothing: 0.1 } },
      metrics: ['accuracy'],
    },
  };
}

describe("Keras' declarative options through the api", () => {
  const stack = useStack({ database: 'postgresql' });

  test('a run with a schedule, clipnorm and a loss object trains; its epochs carry the scheduled rate', async () => {
    const created = await request(stack.api.url, 'POST', '/runs', kerasOptionsSpec());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const epochs = run.epochs as Array<{ epoch: number; lr: number; metrics: Record<string, number> }>;
    assert.equal(epochs.length, 4);
    // After epoch e, 3·e steps were taken: the staircase rate is 0.05 · 0.8^floor(3e / 2).
    epochs.forEach((e) =>
      assert.ok(Math.abs(e.lr - 0.05 * 0.8 ** Math.floor((3 * e.epoch) / 2)) < 1e-9, `epoch ${e.epoch} lr ${e.lr}`),
    );
    assert.ok(epochs.at(-1)!.metrics.loss! < epochs[0]!.metrics.loss!, 'the loss went down');
    assert.ok(epochs.at(-1)!.metrics.accuracy! > 0.9, `accuracy ${epochs.at(-1)!.metrics.accuracy}`);
  });

  test('ReduceLROnPlateau with a schedule, two clipping options or a bad schedule: a 400 naming the field', async () => {
    const base = kerasOptionsSpec();
    const cases: Array<[string, unknown, string, RegExp]> = [
      [
        'ReduceLROnPlateau and a schedule',
        { ...base, callbacks: { ReduceLROnPlateau: { monitor: 'val_loss', patience: 1 } } },
        'callbacks.reduceLROnPlateau',
        /schedule/,
      ],
      [
        'clipnorm and clipvalue',
        { ...base, compile: { ...base.compile, optimizer: { type: 'sgd', clipnorm: 1, clipvalue: 1 } } },
        'compile.optimizer.clipvalue',
        /only one of clipnorm, clipvalue and global_clipnorm/,
      ],
      [
        'decay_steps 0',
        {
          ...base,
          compile: {
            ...base.compile,
            optimizer: { type: 'sgd', learning_rate: { ...schedule, config: { ...schedule.config, decay_steps: 0 } } },
          },
        },
        'compile.optimizer.learningRate.config.decaySteps',
        /must be > 0/,
      ],
      [
        'label_smoothing on a sparse loss',
        {
          ...base,
          compile: {
            ...base.compile,
            loss: { class_name: 'SparseCategoricalCrossentropy', config: { label_smoothing: 0.1 } },
          },
        },
        'compile.loss.config.labelSmoothing',
        /not an argument of SparseCategoricalCrossentropy/,
      ],
    ];
    for (const [name, spec, path, message] of cases) {
      const res = await request(stack.api.url, 'POST', '/runs?dryRun=true', spec);
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      const issue = (res.body.error.details as Array<{ path: string; message: string }>).find((d) => d.path === path);
      assert.ok(issue && message.test(issue.message), `${name}: ${JSON.stringify(res.body.error)}`);
    }
  });
});
