import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { RunSpecSchema, type RunSpec } from '../../../src/domain/run-spec/schema.ts';
import { normalizeRunSpec } from '../../../src/domain/run-spec/normalize.ts';
import { validateRunSpec } from '../../../src/engine/spec/validate-run-spec.ts';
import type { DatasetInfo } from '../../../src/domain/dataset.ts';
import { epochLogKeys } from '../../../src/engine/spec/validate-callbacks.ts';
import { resolveHeads } from '../../../src/engine/training/heads.ts';

/**
 * The api's semantic checks (validateRunSpec) on specs as the api sees them: Keras spellings
 * normalised, schema defaults applied. Each spec here could not train as asked; each must be refused
 * naming the field.
 */

type Spec = Record<string, any>;

/** Normalises and fills defaults as the api does; fails the test if the schema itself refuses it. */
function check(body: Spec, dataset?: DatasetInfo) {
  const spec = Value.Default(RunSpecSchema, normalizeRunSpec(structuredClone(body))) as RunSpec;
  const schemaErrors = [...Value.Errors(RunSpecSchema, spec)].map((e) => `${e.path}: ${e.message}`);
  assert.deepEqual(schemaErrors, [], 'the schema accepts the spec');
  const result = validateRunSpec(spec, { maxParams: 1_000_000, dataset });
  return result.ok ? [] : result.errors;
}

function assertIssue(errors: { path: string; message: string }[], path: string, message: RegExp) {
  const issue = errors.find((e) => e.path === path);
  assert.ok(issue, `expected an error at ${path}, got ${JSON.stringify(errors)}`);
  assert.match(issue.message, message);
}

const xs = (n: number) => Array.from({ length: n }, (_, i) => [i % 2, (i >> 1) % 2]);

/** A 2-class softmax classifier on n inline rows with sparse labels. */
function sparseSpec(n = 4, extra: Spec = {}): Spec {
  return {
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 2, activation: 'softmax', inputShape: [2] }] },
    dataset: { inline: { x: xs(n), y: Array.from({ length: n }, (_, i) => i % 2) } },
    compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1 },
    ...extra,
  };
}

const twoOutputs = {
  type: 'functional',
  inputs: [{ name: 'in', shape: [2] }],
  layers: [
    { name: 'a', type: 'Dense', units: 2, activation: 'softmax', inputs: ['in'] },
    { name: 'b', type: 'Dense', units: 1, inputs: ['in'] },
  ],
  outputs: ['a', 'b'],
};

describe('1. test and validation splits are counted as Keras counts them', () => {
  test('a split that leaves no training rows is refused; so is validation dropped by the test split', () => {
    // 4 rows: testSplit 0.75 holds out 3, validation_split 0.5 of the 1 left holds it out too.
    const spec = sparseSpec(4);
    spec.dataset.test_split = 0.75;
    spec.fit.validation_split = 0.5;
    assertIssue(check(spec), 'fit.validationSplit', /no training samples/);
  });

  test('a test split that takes every row is refused naming dataset.testSplit', () => {
    const spec = sparseSpec(1);
    spec.dataset.inline.y = [0];
    spec.dataset.testSplit = 0.5;
    assertIssue(check(spec), 'dataset.testSplit', /leaving none to train on/);
  });

  test('4 rows with validation_split 0.2 give one validation row, so val_loss can be monitored', () => {
    const spec = sparseSpec(4, { callbacks: { early_stopping: { monitor: 'val_loss' } } });
    spec.fit.validation_split = 0.2;
    assert.deepEqual(check(spec), []);
  });

  test('a registered dataset of known size is checked the same way (limit included)', () => {
    const spec = sparseSpec();
    spec.dataset = { id: 'digits', limit: 1, validation_split: 0.5 };
    const info = { inputShape: [2], numClasses: 2, samples: 100 };
    assertIssue(check(spec, info), 'dataset.validationSplit', /no training samples/);
    spec.dataset.limit = 2;
    assert.deepEqual(check(spec, info), []);
  });
});

describe('2. sparse labels', () => {
  test('a label outside [0, classes) is refused with its index and value', () => {
    const spec = sparseSpec();
    spec.dataset.inline.y = [0, 1, 5, 0];
    assertIssue(check(spec), 'dataset.inline.y', /label 5 of sample 2 is outside the valid range \[0, 2\)/);
  });

  test('negative and fractional labels are refused, the first one named', () => {
    const spec = sparseSpec();
    spec.dataset.inline.y = [0, 1, -1, 0.5];
    assertIssue(check(spec), 'dataset.inline.y', /label -1 of sample 2/);
    spec.dataset.inline.y = [[0], [1], [0.5], [1]];
    assertIssue(check(spec), 'dataset.inline.y', /label 0.5 of sample 2 is not a class index/);
  });

  test('labels of one output of several are checked under that output', () => {
    const spec = sparseSpec(4, { model: twoOutputs });
    spec.dataset.inline.y = { a: [0, 1, 2, 0], b: [[1], [2], [3], [4]] };
    spec.compile.loss = { a: 'sparse_categorical_crossentropy', b: 'mse' };
    spec.compile.metrics = [];
    assertIssue(check(spec), 'dataset.inline.y.a', /label 2 of sample 2/);
  });

  test('sparse crossentropy on a 1-unit output is refused naming the loss and the output', () => {
    const spec = sparseSpec();
    spec.model.layers[0].units = 1;
    assertIssue(check(spec), 'compile.loss', /output "dense" has 1/);
  });

  test('a registered dataset with sparse labels must have as many classes as the output has units', () => {
    const spec = sparseSpec();
    spec.model = {
      type: 'sequential',
      layers: [{ type: 'Dense', units: 5, activation: 'softmax', inputShape: [28, 28, 1] }],
    };
    spec.dataset = { id: 'mnist', labels: 'sparse' };
    assertIssue(
      check(spec, { inputShape: [28, 28, 1], numClasses: 10 }),
      'model',
      /10 classes but the model's output has 5 units/,
    );
    spec.model.layers[0].units = 10;
    assert.deepEqual(check(spec, { inputShape: [28, 28, 1], numClasses: 10 }), []);
  });

  test("a registered dataset's labels must be read the way the loss reads them", () => {
    const spec = sparseSpec();
    spec.model = {
      type: 'sequential',
      layers: [{ type: 'Dense', units: 10, activation: 'softmax', inputShape: [784] }],
    };
    spec.compile.loss = 'categorical_crossentropy';
    spec.dataset = { id: 'mnist', labels: 'sparse', reshape: true };
    assertIssue(
      check(spec, { inputShape: [28, 28, 1], numClasses: 10 }),
      'dataset.labels',
      /sparse_categorical_crossentropy/,
    );
  });
});

describe('2b. a registered dataset: shapes and settings that conflict', () => {
  const dense784 = () => {
    const spec = sparseSpec();
    spec.model = {
      type: 'sequential',
      layers: [{ type: 'Dense', units: 10, activation: 'softmax', inputShape: [784] }],
    };
    spec.dataset = { id: 'mnist' };
    return spec;
  };
  const mnist = { inputShape: [28, 28, 1], numClasses: 10 };

  test('samples of another shape are refused naming both shapes, unless the dataset says reshape', () => {
    const spec = dense784();
    assertIssue(check(spec, mnist), 'dataset.reshape', /\[28, 28, 1\] but the model's input expects \[784\]/);
    spec.dataset.reshape = true;
    assert.deepEqual(check(spec, mnist), []);
    // A reshape cannot change the number of values.
    assertIssue(check(spec, { inputShape: [28, 28, 3], numClasses: 10 }), 'dataset.id', /\[28, 28, 3\]/);
  });

  test('dataset.validationSplit together with fit.validationSplit is refused naming both', () => {
    const spec = dense784();
    spec.dataset = { id: 'mnist', validation_split: 0.3, reshape: true };
    spec.fit.validation_split = 0.1;
    assertIssue(
      check(spec, mnist),
      'dataset.validationSplit',
      /dataset\.validationSplit \(0\.3\) and fit\.validationSplit \(0\.1\)/,
    );
    delete spec.fit.validation_split;
    assert.deepEqual(check(spec, mnist), []);
  });
});

describe('3. fit.classWeight', () => {
  for (const [weights, key] of [
    [{ a: 1 }, 'a'],
    [{ 0: 1, 1000000000000000: 2 }, '1000000000000000'],
    [{ 0: 1, 2: 2 }, '2'],
    [{ '-1': 1 }, '-1'],
    [{ '01': 1 }, '01'],
  ] as const) {
    test(`key "${key}" is not a class of a 2-unit output`, () => {
      const spec = sparseSpec();
      spec.fit.class_weight = weights;
      assertIssue(check(spec), `fit.classWeight.${key}`, /class indices of output "dense", integers 0 to 1/);
    });
  }

  test('keys of every class are accepted; a 1-unit output has classes 0 and 1', () => {
    const spec = sparseSpec();
    spec.fit.class_weight = { 0: 1, 1: 3 };
    assert.deepEqual(check(spec), []);
    spec.model.layers[0] = { type: 'Dense', units: 1, activation: 'sigmoid', inputShape: [2] };
    spec.compile.loss = 'binary_crossentropy';
    spec.dataset.inline.y = [[0], [1], [1], [0]];
    assert.deepEqual(check(spec), []);
    spec.fit.class_weight = { 2: 1 };
    assertIssue(check(spec), 'fit.classWeight.2', /binary labels 0 and 1/);
  });

  test('class_weight on a model with several outputs is refused, as Keras refuses it', () => {
    const spec = sparseSpec(4, { model: twoOutputs });
    spec.dataset.inline.y = { a: [0, 1, 1, 0], b: [[1], [2], [3], [4]] };
    spec.compile.loss = { a: 'sparse_categorical_crossentropy', b: 'mse' };
    spec.compile.metrics = [];
    spec.fit.class_weight = { 0: 1 };
    assertIssue(check(spec), 'fit.classWeight', /single output/);
  });
});

describe('4. Keras spellings of dataset fields', () => {
  test('test_split, validation_split and augment keys are camelCased; inline data is left alone', () => {
    const inline = normalizeRunSpec({
      dataset: { inline: { x: { some_input: [[1]] }, y: [[1]] }, test_split: 0.25 },
    }) as Spec;
    assert.deepEqual(inline.dataset, { inline: { x: { some_input: [[1]] }, y: [[1]] }, testSplit: 0.25 });
    const ref = normalizeRunSpec({
      dataset: { id: 'mnist', validation_split: 0.1, augment: { flip_left_right: true } },
    }) as Spec;
    assert.deepEqual(ref.dataset, { id: 'mnist', validationSplit: 0.1, augment: { flipLeftRight: true } });
  });
});

describe('5. optimizer arguments the optimizer would drop', () => {
  const cases: Array<[Spec, string, RegExp]> = [
    [{ type: 'sgd', decay: 1e-6 }, 'decay', /learning-rate decay; TensorFlow.js' sgd has none/],
    [{ type: 'adam', momentum: 0.9 }, 'momentum', /not an argument of adam/],
    [{ type: 'adam', centered: true }, 'centered', /not an argument of adam/],
    [{ type: 'adam', rho: 0.9 }, 'rho', /not an argument of adam/],
    [{ type: 'adam', decay: 0.01 }, 'decay', /TensorFlow.js' adam has none/],
    [{ type: 'rmsprop', decay: 0.01 }, 'decay', /moving-average factor is rho/],
    [{ type: 'adagrad', epsilon: 1e-3 }, 'epsilon', /fixed at 1e-7/],
    [{ type: 'sgd', beta_1: 0.9 }, 'beta1', /not an argument of sgd/],
    [{ type: 'sgd', clipnorm: 1, clipvalue: 1 }, 'clipvalue', /only one of clipnorm, clipvalue and global_clipnorm/],
    [{ type: 'adam', clipnorm: 1, global_clipnorm: 1 }, 'globalClipnorm', /only one of clipnorm, clipvalue/],
  ];
  for (const [optimizer, arg, message] of cases) {
    test(`${optimizer.type} with ${arg}`, () => {
      assertIssue(
        check(sparseSpec(4, { compile: { optimizer, loss: 'sparse_categorical_crossentropy' } })),
        `compile.optimizer.${arg}`,
        message,
      );
    });
  }

  test('the arguments each optimizer takes are accepted', () => {
    for (const optimizer of [
      { type: 'sgd', learning_rate: 0.1, momentum: 0.9, nesterov: true },
      { type: 'adam', beta_1: 0.8, beta_2: 0.99, epsilon: 1e-6 },
      { type: 'adamax', decay: 0.01 },
      { type: 'rmsprop', rho: 0.8, momentum: 0.1, centered: true, epsilon: 1e-6 },
      { type: 'adagrad', initial_accumulator_value: 0.2, epsilon: 1e-7 },
      { type: 'adadelta', rho: 0.9, epsilon: 1e-6 },
      // Keras 3's base-optimizer arguments, on any optimizer.
      { type: 'adamw', weight_decay: 0.01, global_clipnorm: 1 },
      { type: 'rmsprop', clipnorm: 1, weight_decay: 0.1 },
      { type: 'adagrad', clipvalue: 0.5 },
    ]) {
      assert.deepEqual(
        check(sparseSpec(4, { compile: { optimizer, loss: 'sparse_categorical_crossentropy' } })),
        [],
        optimizer.type,
      );
    }
  });
});

describe('6. callback monitors', () => {
  test('an unknown monitor is refused, listing the available names', () => {
    const spec = sparseSpec(8, { callbacks: { early_stopping: { monitor: 'bogus' } } });
    spec.fit.validation_split = 0.25;
    assertIssue(
      check(spec),
      'callbacks.earlyStopping.monitor',
      /"bogus".*available: loss, accuracy, val_loss, val_accuracy$/,
    );
  });

  for (const callback of ['early_stopping', 'reduce_lr_on_plateau', 'model_checkpoint']) {
    test(`${callback} on val_loss without validation data is refused`, () => {
      const options =
        callback === 'model_checkpoint' ? { monitor: 'val_loss', save_best_only: true } : { monitor: 'val_loss' };
      const spec = sparseSpec(8, { callbacks: { [callback]: options } });
      const name = {
        early_stopping: 'earlyStopping',
        reduce_lr_on_plateau: 'reduceLROnPlateau',
        model_checkpoint: 'modelCheckpoint',
      }[callback];
      assertIssue(check(spec), `callbacks.${name}.monitor`, /no validation data/);
    });
  }

  test("the default monitor (val_loss) counts; modelCheckpoint's only with saveBestOnly", () => {
    assertIssue(
      check(sparseSpec(8, { callbacks: { earlyStopping: { patience: 2 } } })),
      'callbacks.earlyStopping.monitor',
      /by default/,
    );
    assert.deepEqual(check(sparseSpec(8, { callbacks: { modelCheckpoint: {} } })), []);
    assertIssue(
      check(sparseSpec(8, { callbacks: { modelCheckpoint: { saveBestOnly: true } } })),
      'callbacks.modelCheckpoint.monitor',
      /by default/,
    );
  });

  test("Keras' val_acc is refused with the name Kiln reports", () => {
    const spec = sparseSpec(8, { callbacks: { early_stopping: { monitor: 'val_acc' } } });
    spec.fit.validation_split = 0.25;
    assertIssue(check(spec), 'callbacks.earlyStopping.monitor', /reports it as "val_accuracy"/);
  });

  test('several outputs: per-output names are available', () => {
    const spec = sparseSpec(8, {
      model: twoOutputs,
      callbacks: { early_stopping: { monitor: 'val_a_accuracy' }, reduce_lr_on_plateau: { monitor: 'b_loss' } },
    });
    spec.dataset.inline.y = { a: [0, 1, 1, 0, 0, 1, 1, 0], b: xs(8).map((r) => [r[0]!]) };
    spec.compile.loss = { a: 'sparse_categorical_crossentropy', b: 'mse' };
    spec.compile.metrics = { a: ['accuracy'], b: ['mae'] };
    spec.fit.validation_split = 0.25;
    assert.deepEqual(check(spec), []);
  });

  test('the names are those the training loop reports', () => {
    const heads = resolveHeads(['a', 'b'], {
      optimizer: 'adam',
      loss: { a: 'categoricalCrossentropy', b: 'meanSquaredError' },
      metrics: { a: ['accuracy'], b: ['mae'] },
    });
    assert.deepEqual(epochLogKeys(heads, true), [
      'loss',
      'a_loss',
      'b_loss',
      'a_accuracy',
      'b_mae',
      'val_loss',
      'val_a_loss',
      'val_b_loss',
      'val_a_accuracy',
      'val_b_mae',
    ]);
    const one = resolveHeads(['out'], {
      optimizer: 'adam',
      loss: 'binaryCrossentropy',
      metrics: ['accuracy', 'precision'],
    });
    assert.deepEqual(epochLogKeys(one, false), ['loss', 'accuracy', 'precision']);
  });
});

describe('7. duplicate outputs', () => {
  test('an output listed twice is refused naming model.outputs', () => {
    const spec = sparseSpec(4, {
      model: {
        type: 'functional',
        inputs: [{ name: 'in', shape: [2] }],
        layers: [{ name: 'o', type: 'Dense', units: 2, activation: 'softmax', inputs: ['in'] }],
        outputs: ['o', 'o'],
      },
    });
    assertIssue(check(spec), 'model.outputs', /"o" is listed more than once/);
  });
});

describe('the run name, which becomes the model name', () => {
  test("'@' and '/' are refused: they would make the model unreachable by name in URLs", () => {
    assertIssue(check(sparseSpec(4, { name: 'team@prod' })), 'name', /cannot contain '@' or '\/'/);
    assertIssue(check(sparseSpec(4, { name: 'lr=0.1/bs=32' })), 'name', /team|lr=0.1_bs=32@<version>/);
    assert.deepEqual(check(sparseSpec(4, { name: 'lr=0.1 bs=32 (tuned)' })), []);
  });
});

describe('inline values beyond float32', () => {
  test('1e308 in x is refused: as a float32 tensor it would be Infinity and train on nothing', () => {
    const spec = sparseSpec(4);
    spec.dataset.inline.x[2][1] = 1e308;
    assertIssue(check(spec), 'dataset.inline.x', /finite numbers \(within float32/);
    spec.dataset.inline.x[2][1] = 3e38; // still a float32
    assert.deepEqual(check(spec), []);
  });
});

describe('inline inputs of an Embedding', () => {
  const embeddingSpec = (x: unknown): Spec => ({
    model: {
      type: 'sequential',
      layers: [
        { type: 'Embedding', inputDim: 10, outputDim: 4, inputShape: [2] },
        { type: 'Flatten' },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    dataset: { inline: { x, y: [0, 1] } },
    compile: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy' },
    fit: { epochs: 1 },
  });

  test('must be whole numbers below input_dim (they failed in the worker with a GatherV2 error)', () => {
    assertIssue(
      check(
        embeddingSpec([
          [1, 2],
          [3, 100],
        ]),
      ),
      'dataset.inline.x',
      /\[1\]\[1\]: 100 is not an index of Embedding "embedding\w*" \(input_dim 10\)/,
    );
    assertIssue(
      check(
        embeddingSpec([
          [1, -1],
          [3, 4],
        ]),
      ),
      'dataset.inline.x',
      /-1 is not an index/,
    );
    assertIssue(
      check(
        embeddingSpec([
          [1, 2.5],
          [3, 4],
        ]),
      ),
      'dataset.inline.x',
      /2.5 is not an index/,
    );
    assert.deepEqual(
      check(
        embeddingSpec([
          [0, 9],
          [3, 4],
        ]),
      ),
      [],
    );
  });

  test('of a functional model are checked by input name, and only inputs that feed an Embedding', () => {
    const spec: Spec = {
      model: {
        type: 'functional',
        inputs: [
          { name: 'tokens', shape: [2] },
          { name: 'price', shape: [1] },
        ],
        layers: [
          { name: 'emb', type: 'Embedding', inputDim: 5, outputDim: 3, inputs: ['tokens'] },
          { name: 'flat', type: 'Flatten', inputs: ['emb'] },
          { name: 'joined', type: 'Concatenate', inputs: ['flat', 'price'] },
          { name: 'out', type: 'Dense', units: 1, inputs: ['joined'] },
        ],
        outputs: ['out'],
      },
      dataset: {
        inline: {
          x: {
            tokens: [
              [0, 4],
              [1, 5],
            ],
            price: [[123.5], [-7]],
          },
          y: [[1], [0]],
        },
      },
      compile: { optimizer: 'adam', loss: 'mse' },
      fit: { epochs: 1 },
    };
    const errors = check(spec);
    assertIssue(errors, 'dataset.inline.x.tokens', /\[1\]\[1\]: 5 is not an index of Embedding "emb" \(input_dim 5\)/);
    assert.equal(errors.length, 1, 'the price input, which feeds no Embedding, may hold any number');
  });
});
