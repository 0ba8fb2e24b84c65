import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { useStack, type Stack } from '../../helpers/stack.ts';
import { request, runLogs, waitForRun } from '../../helpers/http.ts';
import { uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';

/** A small seeded generator, so the data is the same on every run of the test. */
function lcg(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Synthetic image + token + category + price rows, as the seed's multi-input, multi-output model takes them. */
function productRows(n: number, seed: number) {
  const random = lcg(seed);
  const image = Array.from({ length: n * 8 * 8 * 3 }, () => Math.round(random() * 1000) / 1000);
  const text = Array.from({ length: n * 6 }, () => Math.floor(random() * 50));
  const category = Array.from({ length: n }, () => Math.floor(random() * 3));
  const price = category.map((c, i) => c * 2 + text[i * 6]! / 50);
  return { n, image, text, category, price };
}

type Rows = ReturnType<typeof productRows>;

const nested = (flat: number[], rowShape: number[]): unknown[] => {
  const size = rowShape.reduce((a, b) => a * b, 1);
  const shape = (values: number[], dims: number[]): unknown =>
    dims.length === 0
      ? values[0]
      : Array.from({ length: dims[0]! }, (_, i) => {
          const inner = values.length / dims[0]!;
          return shape(values.slice(i * inner, (i + 1) * inner), dims.slice(1));
        });
  return Array.from({ length: flat.length / size }, (_, r) => shape(flat.slice(r * size, (r + 1) * size), rowShape));
};

/** image [8, 8, 3] and token ids [6] → category (3 classes) and price. The token input is named `tokens`. */
const productModel = (imageShape = [8, 8, 3], categories = 3) => ({
  type: 'functional',
  inputs: [
    { name: 'image', shape: imageShape },
    { name: 'tokens', shape: [6], dtype: 'int32' },
  ],
  layers: [
    { name: 'conv', type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', inputs: 'image' },
    { name: 'pool', type: 'GlobalAveragePooling2D', inputs: 'conv' },
    { name: 'embed', type: 'Embedding', input_dim: 50, output_dim: 4, inputs: 'tokens' },
    { name: 'flat', type: 'Flatten', inputs: 'embed' },
    { name: 'joined', type: 'Concatenate', inputs: ['pool', 'flat'] },
    { name: 'category', type: 'Dense', units: categories, activation: 'softmax', inputs: 'joined' },
    { name: 'price', type: 'Dense', units: 1, inputs: 'joined' },
  ],
  outputs: ['category', 'price'],
});

const compile = {
  optimizer: 'adam',
  loss: { category: 'sparse_categorical_crossentropy', price: 'mse' },
};
const fit = { epochs: 3, batchSize: 8, seed: 7, validationSplit: 0.25 };

function npz(train: Rows, test?: Rows, tokenDtype = '<i4', weights?: number[]): Uint8Array {
  const arrays = (rows: Rows, suffix: string) => ({
    ...(weights && suffix !== '_test' ? { [`weight${suffix}.npy`]: npy('<f4', [rows.n], weights) } : {}),
    [`image${suffix}.npy`]: npy('<f4', [rows.n, 8, 8, 3], rows.image),
    [`text${suffix}.npy`]: npy(tokenDtype, [rows.n, 6], rows.text),
    [`category${suffix}.npy`]: npy('<i8', [rows.n], rows.category),
    [`price${suffix}.npy`]: npy('<f4', [rows.n], rows.price),
  });
  return zipSync(test ? { ...arrays(train, '_train'), ...arrays(test, '_test') } : arrays(train, ''));
}

type Epoch = { epoch: number; metrics: Record<string, number> };

/**
 * Trains the product model from the dataset and from the same rows inline, with the same seed, and
 * checks that every epoch's losses per output agree; answers the dataset's run.
 */
async function trainsAsInline(stack: Stack, datasetId: string, train: Rows) {
  const fromDataset = await request(stack.api.url, 'POST', '/runs', {
    model: productModel(),
    dataset: { id: datasetId, inputs: { tokens: 'text' } },
    compile,
    fit,
  });
  assert.equal(fromDataset.status, 201, JSON.stringify(fromDataset.body));
  const inline = await request(stack.api.url, 'POST', '/runs', {
    model: productModel(),
    dataset: {
      inline: {
        x: { image: nested(train.image, [8, 8, 3]), tokens: nested(train.text, [6]) },
        y: { category: train.category, price: nested(train.price, [1]) },
      },
    },
    compile,
    fit,
  });
  assert.equal(inline.status, 201, JSON.stringify(inline.body));
  const [a, b] = await Promise.all(
    [fromDataset, inline].map((r) => waitForRun(stack.api.url, r.body.id, ['succeeded', 'failed'], 180_000)),
  );
  assert.equal(a.status, 'succeeded', JSON.stringify(a.error));
  assert.equal(b.status, 'succeeded', JSON.stringify(b.error));
  const epochs = (run: { epochs: Epoch[] }) => run.epochs.map((e) => e.metrics);
  assert.equal(epochs(a).length, 3);
  for (const [i, metrics] of epochs(a).entries()) {
    for (const key of ['loss', 'category_loss', 'price_loss', 'val_loss', 'val_category_loss', 'val_price_loss']) {
      const [got, want] = [metrics[key], epochs(b)[i]![key]];
      assert.ok(Number.isFinite(got), `epoch ${i + 1}: ${key} is ${got}`);
      assert.ok(
        Math.abs(got! - want!) <= 1e-4 * Math.max(1, Math.abs(want!)),
        `epoch ${i + 1} ${key}: ${got} vs ${want}`,
      );
    }
  }
  return a;
}

/** Uploads rows (and test rows) as an NPZ of named arrays and waits until it is ready. */
async function uploadProduct(
  stack: Stack,
  name: string,
  train: Rows,
  test?: Rows,
  tokenDtype?: string,
  weights?: number[],
) {
  const created = await uploadDataset(
    stack.api.url,
    [{ name: `${name}.npz`, data: npz(train, test, tokenDtype, weights) }],
    {
      name,
    },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const dataset = await waitForDataset(stack.api.url, created.body.id);
  assert.equal(dataset.status, 'ready', dataset.error);
  return created.body.id as string;
}

describe('datasets of named arrays feed multi-input, multi-output models', () => {
  const stack = useStack();
  const train = productRows(40, 1);
  const testRows = productRows(10, 2);
  let datasetId = '';

  test('an NPZ of named arrays ingests, and the dataset lists each array with its shape, dtype and range', async () => {
    const created = await uploadDataset(stack.api.url, [{ name: 'product.npz', data: npz(train, testRows) }], {
      name: 'product',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    datasetId = created.body.id;
    assert.deepEqual(dataset.samples, { train: 40, test: 10 });
    assert.deepEqual(Object.keys(dataset.arrays).sort(), ['category', 'image', 'price', 'text']);
    assert.deepEqual(dataset.arrays.image, { dtype: 'float32', shape: [8, 8, 3], range: null });
    assert.equal(dataset.arrays.text.dtype, 'int32', 'token ids stay integers');
    assert.deepEqual(dataset.arrays.text.shape, [6]);
    assert.deepEqual(dataset.arrays.category.range, {
      min: Math.min(...train.category, ...testRows.category),
      max: Math.max(...train.category, ...testRows.category),
      integers: true,
    });
    const samples = await request(stack.api.url, 'GET', `/datasets/${datasetId}/samples?n=2`);
    assert.equal(samples.status, 200, JSON.stringify(samples.body));
    assert.equal(samples.body.samples[1].arrays.category.values, train.category[1]);
    assert.deepEqual(samples.body.samples[0].arrays.text.values, train.text.slice(0, 6));
  });

  test('training from the uploaded arrays gives the same losses per output as the same data inline, with the same seed', async () => {
    const run = await trainsAsInline(stack, datasetId, train);
    // The dataset's own test split is the test set.
    assert.ok(run.evaluation, 'the run was evaluated on the test arrays');
  });

  test('a validation dataset of named arrays by id: the same losses as those rows held out by validationSplit', async () => {
    // Rows 0–29 to train on and 30–39 to validate on: what validationSplit 0.25 of the 40 rows takes.
    const slice = (rows: Rows, from: number, to: number): Rows => ({
      n: to - from,
      image: rows.image.slice(from * 192, to * 192),
      text: rows.text.slice(from * 6, to * 6),
      category: rows.category.slice(from, to),
      price: rows.price.slice(from, to),
    });
    const first = await uploadProduct(stack, 'first30', slice(train, 0, 30));
    const last = await uploadProduct(stack, 'last10', slice(train, 30, 40));
    const split = await request(stack.api.url, 'POST', '/runs', {
      model: productModel(),
      dataset: { id: datasetId, inputs: { tokens: 'text' } },
      compile,
      fit,
    });
    const heldOut = await request(stack.api.url, 'POST', '/runs', {
      model: productModel(),
      dataset: { id: first, inputs: { tokens: 'text' } },
      validation_data: { id: last, inputs: { tokens: 'text' } },
      compile,
      fit: { ...fit, validationSplit: 0 },
    });
    assert.equal(heldOut.status, 201, JSON.stringify(heldOut.body));
    const [a, b] = await Promise.all(
      [heldOut, split].map((r) => waitForRun(stack.api.url, r.body.id, ['succeeded', 'failed'], 180_000)),
    );
    assert.equal(a.status, 'succeeded', JSON.stringify(a.error));
    for (const [i, { metrics }] of (a.epochs as Epoch[]).entries()) {
      for (const key of ['loss', 'val_loss', 'val_category_loss', 'val_price_loss']) {
        const [got, want] = [metrics[key]!, (b.epochs as Epoch[])[i]!.metrics[key]!];
        assert.ok(
          Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)),
          `epoch ${i + 1} ${key}: ${got} vs ${want}`,
        );
      }
    }
  });

  test('a CSV with several label columns trains a model with an output per column', async () => {
    const rows = Array.from(
      { length: 48 },
      (_, i) => `${i % 7},${['red', 'blue'][i % 2]},${['bag', 'hat', 'shoe'][i % 3]},${i / 4}`,
    );
    const csv = (lines: string[]) => new TextEncoder().encode(['width,color,kind,price', ...lines].join('\n'));
    const created = await uploadDataset(
      stack.api.url,
      [
        { name: 'train.csv', data: csv(rows.slice(0, 40)) },
        { name: 'test.csv', data: csv(rows.slice(40)) },
      ],
      { name: 'products-csv', labelColumns: 'kind,price', categoricalColumns: 'color' },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dataset = await waitForDataset(stack.api.url, created.body.id);
    assert.equal(dataset.status, 'ready', dataset.error);
    assert.deepEqual(Object.keys(dataset.arrays).sort(), ['features', 'kind', 'price']);
    assert.deepEqual(dataset.arrays.kind.classes, ['bag', 'hat', 'shoe']);
    // width, then color one-hot over blue, red.
    assert.deepEqual(dataset.arrays.features.shape, [3]);
    const run = await request(stack.api.url, 'POST', '/runs', {
      name: 'products-csv-model',
      model: {
        type: 'functional',
        inputs: [{ name: 'size', shape: [3] }],
        layers: [
          { name: 'hidden', type: 'Dense', units: 8, activation: 'relu', inputs: 'size' },
          { name: 'kind', type: 'Dense', units: 3, activation: 'softmax', inputs: 'hidden' },
          { name: 'price', type: 'Dense', units: 1, inputs: 'hidden' },
        ],
        outputs: ['kind', 'price'],
      },
      dataset: { id: created.body.id, inputs: { size: 'features' } },
      compile: { optimizer: 'adam', loss: { kind: 'sparse_categorical_crossentropy', price: 'mse' } },
      fit: { epochs: 2, batchSize: 8, seed: 1 },
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 120_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.ok(Number.isFinite(done.epochs[1].metrics.kind_loss) && Number.isFinite(done.epochs[1].metrics.price_loss));
    assert.ok(done.evaluation, 'evaluated on test.csv');
    // The model reads the features array, so it takes records by column, encoded as the CSV was.
    const predict = (instances: unknown[]) =>
      request(stack.api.url, 'POST', '/v1/models/products-csv-model:predict', { instances });
    const records = await predict([{ width: 3, color: 'red' }]);
    assert.equal(records.status, 200, JSON.stringify(records.body));
    assert.deepEqual(records.body.predictions, (await predict([[3, 0, 1]])).body.predictions);
  });

  test("sampleWeight names an array of one weight per row: rows of weight 0 do not train (Keras' sample_weight)", async () => {
    const zero = await uploadProduct(stack, 'zero-weights', train, undefined, undefined, new Array(40).fill(0));
    const run = await request(stack.api.url, 'POST', '/runs', {
      model: productModel(),
      dataset: { id: zero, inputs: { tokens: 'text' }, sample_weight: 'weight' },
      compile,
      fit,
    });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    const done = await waitForRun(stack.api.url, run.body.id, ['succeeded', 'failed'], 180_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const epochs = (done.epochs as Epoch[]).map((e) => e.metrics);
    // Every training row weighs 0: the weighted loss is 0 and nothing moves, so the (unweighted) validation loss stays put.
    for (const metrics of epochs) assert.equal(metrics.loss, 0);
    assert.ok(epochs[0]!.val_loss! > 0);
    for (const metrics of epochs)
      assert.ok(Math.abs(metrics.val_loss! - epochs[0]!.val_loss!) < 1e-6, JSON.stringify(epochs));

    const price = await request(stack.api.url, 'POST', '/runs?dryRun=true', {
      model: productModel(),
      dataset: { id: zero, inputs: { tokens: 'text' }, sampleWeight: 'price' },
      compile,
      fit,
    });
    assert.equal(price.status, 200, 'any array of one non-negative number per row is a usable weight');
    const negative = await uploadProduct(stack, 'negative-weights', train, undefined, undefined, [
      -1,
      ...new Array(39).fill(1),
    ]);
    for (const [dataset, path, message] of [
      [
        { id: negative, inputs: { tokens: 'text' }, sampleWeight: 'weight' },
        'dataset.sampleWeight',
        /array "weight": sample weights must not be negative \(the smallest is -1\)/,
      ],
      [
        { id: zero, inputs: { tokens: 'text' }, sampleWeight: 'image' },
        'dataset.sampleWeight',
        /one number per row, but each row has shape \[8, 8, 3\]/,
      ],
      [
        { id: zero, inputs: { tokens: 'text' }, sampleWeight: 'w' },
        'dataset.sampleWeight',
        /array "w": the dataset has no such array/,
      ],
    ] as const) {
      const res = await request(stack.api.url, 'POST', '/runs?dryRun=true', {
        model: productModel(),
        dataset,
        compile,
        fit,
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
      assert.ok(issue, JSON.stringify(res.body.error.details));
      assert.match(issue.message, message);
    }
  });

  test('mapping errors are 400s naming the array and the input or output, and create no run', async () => {
    const runsBefore = (await request(stack.api.url, 'GET', '/runs')).body.runs.length;
    const floatTokens = await uploadProduct(stack, 'float-tokens', productRows(8, 3), undefined, '<f4');
    const cases: Array<{ spec: Record<string, unknown>; path: string; message: RegExp }> = [
      {
        spec: { dataset: { id: datasetId } },
        path: 'dataset.inputs.tokens',
        message: /no array "tokens" for input "tokens" \(its arrays: .*text.*\); name one in dataset.inputs/,
      },
      {
        spec: { dataset: { id: datasetId, inputs: { tokens: 'text', txt: 'text' } } },
        path: 'dataset.inputs.txt',
        message: /the model has no input "txt" \(its inputs: image, tokens\)/,
      },
      {
        spec: { model: productModel([8, 8, 1]), dataset: { id: datasetId, inputs: { tokens: 'text' } } },
        path: 'dataset.inputs.image',
        message: /array "image" for input "image": each sample has shape \[8, 8, 3\] but the input expects \[8, 8, 1\]/,
      },
      {
        spec: { model: productModel([8, 8, 3], 2), dataset: { id: datasetId, inputs: { tokens: 'text' } } },
        path: 'dataset.outputs.category',
        message: /array "category" for output "category": class indices range from 0 to 2, but the output has 2 units/,
      },
      {
        spec: { dataset: { id: datasetId, inputs: { tokens: 'price' } } },
        path: 'dataset.inputs.tokens',
        message: /array "price" for input "tokens": each sample has shape \[\] but the input expects \[6\]/,
      },
      {
        spec: { dataset: { id: floatTokens, inputs: { tokens: 'text' } } },
        path: 'dataset.inputs.tokens',
        message:
          /array "text" for input "tokens": it feeds an Embedding, which takes token ids: save them as integers, not float32/,
      },
      {
        spec: { dataset: { id: datasetId, inputs: { tokens: 'text' }, preprocess: { scale: 0.5 } } },
        path: 'dataset.preprocess',
        message: /not supported for datasets of named arrays yet/,
      },
    ];
    for (const { spec, path, message } of cases) {
      const res = await request(stack.api.url, 'POST', '/runs', { model: productModel(), compile, fit, ...spec });
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      const issue = res.body.error.details.find((d: { path: string }) => d.path === path);
      assert.ok(issue, `${path}: ${JSON.stringify(res.body.error.details)}`);
      assert.match(issue.message, message);
    }
    assert.equal((await request(stack.api.url, 'GET', '/runs')).body.runs.length, runsBefore, 'no run was created');
  });
});

describe('arrays past KILN_TRAINING_DATA_MEMORY_MB are read from local files, and train the same', () => {
  // 10 KB: the 30 KB train images (3× the budget) go to a local file, the other arrays fit.
  const stack = useStack({ env: { KILN_TRAINING_DATA_MEMORY_MB: '0.01' } });

  test('the run says which arrays it reads from disk, and its losses equal the inline run', async () => {
    const train = productRows(40, 1);
    const id = await uploadProduct(stack, 'product-disk', train, productRows(10, 2));
    const run = await trainsAsInline(stack, id, train);
    const logs = await runLogs(stack.api.url, run.id);
    const disk = logs.find((log) => /read from a local copy/.test(log.message));
    assert.ok(disk, JSON.stringify(logs.map((l) => l.message)));
    assert.match(
      disk.message,
      /^dataset: train\.image \(30\.0 KB\) read from a local copy by position, past KILN_TRAINING_DATA_MEMORY_MB$/,
    );
  });
});
