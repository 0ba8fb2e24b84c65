// The real `kiln` binary with datasets of named arrays against a real api and worker: an .npz and a loose
// .npy uploaded together, the arrays shown as a table, and a run that validates and tests on other datasets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { useStack } from '../helpers/stack.ts';
import { request } from '../helpers/http.ts';
import { npy } from '../datasets/fixtures/npy-writer.ts';
import { kiln } from './run-kiln.ts';

/** n rows of image [4, 4, 1] and token ids [5] → category (3 classes) and price, from a seed. */
function rows(n: number, seed: number) {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const text = Array.from({ length: n * 5 }, () => Math.floor(next() * 20));
  const category = Array.from({ length: n }, (_, i) => text[i * 5]! % 3);
  return {
    image: npy(
      '<f4',
      [n, 4, 4, 1],
      Array.from({ length: n * 16 }, () => next()),
    ),
    text: npy('<i4', [n, 5], text),
    category: npy('<i8', [n], category),
    price: npy(
      '<f4',
      [n],
      category.map((c, i) => c + text[i * 5 + 1]! / 20),
    ),
  };
}

const specYaml = (train: string, validation: string, testSet: string) => `# image + token ids → category + price
name: cli-product
model:
  type: functional
  inputs:
    - {name: image, shape: [4, 4, 1]}
    - {name: tokens, shape: [5], dtype: int32}
  layers:
    - {name: flat_image, type: Flatten, inputs: image}
    - {name: embed, type: Embedding, input_dim: 20, output_dim: 3, inputs: tokens}
    - {name: flat_tokens, type: Flatten, inputs: embed}
    - {name: joined, type: Concatenate, inputs: [flat_image, flat_tokens]}
    - {name: category, type: Dense, units: 3, activation: softmax, inputs: joined}
    - {name: price, type: Dense, units: 1, inputs: joined}
  outputs: [category, price]
dataset: {id: ${train}, inputs: {tokens: text}}
validationData: {id: ${validation}, inputs: {tokens: text}}
testData: {id: ${testSet}, inputs: {tokens: text}}
compile:
  optimizer: adam
  loss: {category: sparse_categorical_crossentropy, price: mse}
fit: {epochs: 2, batch_size: 8, seed: 3}
`;

describe('kiln with datasets of named arrays', () => {
  const stack = useStack();
  let dir: string;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-cli-named-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes an .npz of image, text and category, and price as a loose .npy beside it; uploads both. */
  async function upload(name: string, n: number, seed: number) {
    env = { KILN_URL: stack.api.url };
    const { image, text, category, price } = rows(n, seed);
    await writeFile(
      join(dir, `${name}.npz`),
      zipSync({ 'image.npy': image, 'text.npy': text, 'category.npy': category }),
    );
    await writeFile(join(dir, 'price.npy'), price);
    const result = await kiln(['datasets', 'upload', `${name}.npz`, 'price.npy', '--name', name], env, { cwd: dir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    ids[name] = /^Dataset\s+(\S+)\s+\(/m.exec(result.stdout)![1]!;
    return result;
  }

  test('datasets upload a.npz b.npy: one dataset of every array, shown as a table (name, dtype, shape, range)', async () => {
    const { stdout, stderr } = await upload('product', 40, 1);
    assert.match(stderr, /Uploading 2 file\(s\)/);
    assert.match(stdout, /^Status\s+ready$/m);
    assert.match(stdout, /^Samples\s+train 40$/m);
    assert.doesNotMatch(stdout, /^Input shape/m, 'a named-array dataset has no single input shape');
    const table = stdout.slice(stdout.indexOf('ARRAY')).trimEnd().split('\n');
    assert.match(table[0]!, /^ARRAY\s+DTYPE\s+SHAPE\s+RANGE$/);
    const cells = table.slice(1).map((line) => line.split(/\s{2,}/));
    assert.deepEqual(
      cells.map((c) => c.slice(0, 3)),
      [
        ['category', 'int32', '[]'],
        ['image', 'float32', '[4, 4, 1]'],
        ['price', 'float32', '[]'],
        ['text', 'int32', '[5]'],
      ],
    );
    assert.equal(cells[0]![3], '0 … 2 (integers)');
    assert.match(cells[3]![3]!, /^\d+ … 19 \(integers\)$/);
  });

  test('datasets ID prints the same table; the list names the arrays; --json has them as the api gives them', async () => {
    const shown = await kiln(['datasets', ids.product!], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^text\s+int32\s+\[5\]\s+\d+ … 19 \(integers\)$/m);
    const list = await kiln(['datasets'], env);
    assert.match(
      list.stdout,
      new RegExp(
        `^${ids.product}\\s+product\\s+npz\\s+ready\\s+train 40\\s+arrays: category, image, price, text\\s`,
        'm',
      ),
    );
    const json = JSON.parse((await kiln(['datasets', ids.product!, '--json'], env)).stdout);
    assert.deepEqual(json.arrays.text, { dtype: 'int32', shape: [5], range: json.arrays.text.range });
    assert.equal(json.inputShape, null);
  });

  test('run spec.yaml passes validationData and testData through: val_loss each epoch, evaluated on the test set', async () => {
    await upload('validation', 16, 2);
    await upload('test', 12, 3);
    const spec = join(dir, 'product.yaml');
    await writeFile(spec, specYaml(ids.product!, ids.validation!, ids.test!));
    const { code, stdout, stderr } = await kiln(['run', spec, '--watch'], env);
    assert.equal(code, 0, stdout + stderr);
    const epochs = stdout.split('\n').filter((l) => /^\d+\/\d+ \[=+\]/.test(l));
    assert.equal(epochs.length, 2, stdout);
    for (const line of epochs) assert.match(line, / - val_loss: \d+\.\d{4} - val_category_loss: /);
    const runId = /^Run (\S+) queued$/m.exec(stdout)![1]!;
    const run = await request(stack.api.url, 'GET', `/runs/${runId}`);
    assert.equal(run.body.spec.validationData.id, ids.validation);
    assert.equal(run.body.spec.testData.id, ids.test);
    assert.ok(run.body.evaluation, 'evaluated on the test dataset');
  });
});
