import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { fileURLToPath } from 'node:url';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { request } from '../helpers/http.ts';
import { mnistPixelRows } from '../helpers/mnist.ts';
import { startApi } from '../helpers/processes.ts';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/keras/', import.meta.url));
const KERAS3 = 'keras-3.14-mnist-cnn.keras';
const KERAS2 = 'keras-2.12-mnist-cnn.h5';
const expected = (file: string) =>
  JSON.parse(readFileSync(`${FIXTURES}${file}.expected.json`, 'utf8')) as { probabilities: number[][] };

type Part = { name: string; data: Uint8Array };

/** POST /models as a multipart form, the way curl -F and browsers send it. */
async function importModel(url: string, fields: Record<string, string>, files: Part[]) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('file', new Blob([f.data]), f.name);
  const res = await fetch(`${url}/models`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}

async function download(url: string, ref: string, format: string): Promise<Uint8Array> {
  const res = await fetch(`${url}/models/${encodeURIComponent(ref)}/download?format=${format}`);
  assert.equal(res.status, 200, await res.clone().text());
  return new Uint8Array(await res.arrayBuffer());
}

const largestDifference = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i]![k]!))));

describe('Keras model exchange through the api: import, predict, export, import again', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const digits = mnistPixelRows(100);

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const predict = async (id: string, instances: unknown[]) => {
    const res = await request(api.url, 'POST', `/models/${encodeURIComponent(id)}/predict`, { instances });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.predictions as { values: number[] }[]).map((p) => p.values);
  };
  const models = async () => (await request(api.url, 'GET', '/models')).body.models as { id: string }[];
  const storedModelFolders = async () => readdir(join(env.dataDir, 'artifacts', 'models')).catch(() => []);

  for (const [file, format] of [
    [KERAS3, 'keras'],
    [KERAS2, 'h5'],
  ] as const) {
    test(`${file}: imported with its 1/255 scaling, it predicts what its authors' model gives on raw pixels, within 1e-4`, async () => {
      const bytes = new Uint8Array(readFileSync(FIXTURES + file));
      const created = await importModel(
        api.url,
        { name: `fixture-${format}`, preprocess: JSON.stringify({ scale: 1 / 255 }), labels: '0,1,2,3,4,5,6,7,8,9' },
        [{ name: file, data: bytes }],
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.name, `fixture-${format}`);
      assert.equal(created.body.version, 1);
      assert.equal(created.body.source.kind, 'import');
      assert.equal(created.body.source.format, format);
      assert.deepEqual(created.body.signature.inputs[0].shape, [null, 28, 28, 1]);
      const got = await predict(created.body.id, digits);
      const diff = largestDifference(got, expected(file).probabilities);
      assert.ok(diff < 1e-4, `largest difference ${diff}`);
      const first = (
        await request(api.url, 'POST', `/models/${created.body.id}/predict`, { instances: digits.slice(0, 1) })
      ).body.predictions[0];
      assert.equal(first.label, '7', 'labels name the classes');
    });
  }

  test('export as .keras, .h5 and TensorFlow.js, import each again: the same predictions within 1e-5, the scaling inside the files', async () => {
    const original = await predict('fixture-keras', digits.slice(0, 20));
    const dir = await mkdtemp(join(tmpdir(), 'kiln-exchange-'));
    try {
      for (const format of ['keras', 'h5', 'tfjs']) {
        const bytes = await download(api.url, 'fixture-keras', format);
        let files: Part[];
        if (format === 'tfjs') {
          await writeFile(join(dir, 'model.tar'), bytes);
          execFileSync('tar', ['-xf', 'model.tar'], { cwd: dir });
          const folder = join(dir, 'fixture-keras-v1');
          files = await Promise.all(
            (await readdir(folder)).map(async (name) => ({
              name,
              data: new Uint8Array(await readFile(join(folder, name))),
            })),
          );
        } else {
          files = [{ name: `digits.${format}`, data: bytes }];
        }
        // No preprocess this time: the file itself scales the pixels.
        const again = await importModel(api.url, { name: `again-${format}` }, files);
        assert.equal(again.status, 201, `${format}: ${JSON.stringify(again.body)}`);
        assert.equal(again.body.preprocessing, null);
        const diff = largestDifference(await predict(again.body.id, digits.slice(0, 20)), original);
        assert.ok(diff < 1e-5, `${format}: largest difference ${diff}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('files Kiln cannot take are 400s naming the reason, and nothing is stored', async () => {
    const before = { models: (await models()).length, folders: (await storedModelFolders()).length };
    const keras = new Uint8Array(readFileSync(FIXTURES + KERAS3));
    const members = unzipSync(keras);
    const config = JSON.parse(new TextDecoder().decode(members['config.json']));
    const rezip = (changed: Record<string, Uint8Array>) =>
      zipSync(
        Object.fromEntries(
          Object.entries({ ...members, ...changed }).map(([k, v]) => [k, [v, { level: 0 }]]),
        ) as Zippable,
      );
    // A Lambda layer where the fixture has its Dropout: Python code, which Kiln never runs.
    const lambda = structuredClone(config);
    lambda.config.layers[7] = {
      module: 'keras.layers',
      class_name: 'Lambda',
      config: { name: 'dropout', function: 'lambda x: x' },
    };
    // The last Dense layer said to have 12 units: its stored kernel [128, 10] no longer fits.
    const wider = structuredClone(config);
    wider.config.layers.at(-1).config.units = 12;
    // A member that declares 3.75 GiB uncompressed (a zip bomb is refused before anything inflates).
    const bomb = rezip({ 'assets/blob': new Uint8Array(64) });
    const view = new DataView(bomb.buffer);
    for (let at = 0; at < bomb.length - 4; at++) {
      if (view.getUint32(at, true) === 0x04034b50) view.setUint32(at + 22, 0xf0000000, true);
      if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 0xf0000000, true);
    }
    const cases: Array<[string, Record<string, string>, Part[], RegExp]> = [
      [
        'a truncated .keras',
        { name: 'bad' },
        [{ name: 'm.keras', data: keras.slice(0, keras.length / 2) }],
        /zip|truncated|corrupt/i,
      ],
      [
        'not a model file',
        { name: 'bad' },
        [{ name: 'm.h5', data: new TextEncoder().encode('hello') }],
        /neither a \.keras zip nor an HDF5/,
      ],
      ['a name with @', { name: 'bad@1' }, [{ name: 'm.keras', data: keras }], /name: .*cannot contain '@'/],
      ['no file', { name: 'bad' }, [], /upload the model/],
      [
        'two Keras files',
        { name: 'bad' },
        [
          { name: 'a.keras', data: keras },
          { name: 'b.keras', data: keras },
        ],
        /expected one \.keras/,
      ],
      [
        'a TensorFlow.js model without its weight file',
        { name: 'bad' },
        [
          {
            name: 'model.json',
            data: new TextEncoder().encode(
              JSON.stringify({
                modelTopology: {},
                weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }],
              }),
            ),
          },
        ],
        /names the weight file "group1-shard1of1\.bin", which was not uploaded/,
      ],
      [
        'preprocess that is not JSON',
        { name: 'bad', preprocess: '{scale' },
        [{ name: 'm.keras', data: keras }],
        /preprocess: is not JSON/,
      ],
    ];
    for (const [what, fields, files, message] of cases) {
      const res = await importModel(api.url, fields, files);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message, what);
      assert.ok(
        res.body.error.details?.[0]?.path,
        `${what}: the refusal names a field (${JSON.stringify(res.body.error)})`,
      );
    }
    assert.equal((await models()).length, before.models, 'no model row');
    assert.equal((await storedModelFolders()).length, before.folders, 'no files left in the store');
  });
});
