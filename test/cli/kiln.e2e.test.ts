// The real `kiln` binary against a real api and worker: every command a user types, end to end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { startStack, type Stack } from '../helpers/stack.ts';
import { npy } from '../datasets/fixtures/npy-writer.ts';
import { MNIST_DIR, MNIST_FILES } from '../helpers/datasets.ts';
import { waitForRun } from '../helpers/http.ts';
import { mnistPixelRows } from '../helpers/mnist.ts';
import { startDropProxy } from './drop-proxy.ts';
import { kiln, startKiln } from './run-kiln.ts';

/** A CNN saved by Keras 3.14 itself, and its outputs for the first 100 MNIST test digits (pixels / 255). */
const KERAS_FIXTURE = fileURLToPath(
  new URL('../../../shared/fixtures/keras/keras-3.14-mnist-cnn.keras', import.meta.url),
);
const kerasExpected = async () =>
  JSON.parse(await readFile(`${KERAS_FIXTURE}.expected.json`, 'utf8')) as { probabilities: number[][] };
const largestDifference = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i]![k]!))));
const DIGITS = '0,1,2,3,4,5,6,7,8,9';

const TOKEN = 'cli-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
/** The end line of an epoch as Keras prints it, with validation metrics. */
const EPOCH_LINE =
  /^(\d+)\/\1 \[={30}\] - \d+s \d+(ms|us|s)\/step - \d+ samples\/s - loss: \d+\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d+\.\d{4} - val_accuracy: \d\.\d{4}$/;

/** A small MNIST classifier on an uploaded dataset, as a user would write it in YAML. */
const specYaml = (datasetId: string) => `# trained on part of the MNIST test set the test uploaded
name: cli-digits
model:
  type: sequential
  layers:
    - {type: Flatten, inputShape: [28, 28, 1]}
    - {type: Dense, units: 32, activation: relu}
    - {type: Dense, units: 10, activation: softmax}
dataset:
  id: ${datasetId}
  preprocess: {scale: 0.00392156862745098}
  labels: sparse
  limit: 2000
  validationSplit: 0.2
  testSplit: 0.2
compile:
  optimizer: {type: adam, learning_rate: 0.01}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
fit:
  epochs: 5
  batch_size: 32
  seed: 7
`;

describe('the kiln command against a running api and worker', () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  let datasetId: string;
  let spec: string;
  let runId: string;
  let modelId: string;

  before(async () => {
    // Loopback stands in for a remote host for `datasets fetch`: that is what KILN_ALLOW_PRIVATE_URLS allows.
    stack = await startStack({ env: { KILN_API_TOKEN: TOKEN, KILN_ALLOW_PRIVATE_URLS: '1' } });
    dir = await mkdtemp(join(tmpdir(), 'kiln-cli-'));
    env = { KILN_URL: stack.api.url, KILN_API_TOKEN: TOKEN };
  });
  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('datasets upload: the real MNIST IDX files become a ready dataset of 10,000 28×28×1 images', async () => {
    const files = MNIST_FILES.map((f) => join(MNIST_DIR, f));
    const plain = await kiln(['datasets', 'upload', ...files, '--name', 'mnist-t10k'], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /Status\s+ready/);
    assert.match(plain.stdout, /Samples\s+test 10,000/);
    assert.match(plain.stdout, /Input shape\s+\[28, 28, 1\] uint8/);
    datasetId = /^Dataset\s+(\S+)/m.exec(plain.stdout)![1]!;

    const listed = await kiln(['datasets', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const dataset = JSON.parse(listed.stdout).datasets.find((d: { id: string }) => d.id === datasetId);
    assert.deepEqual(
      [dataset.name, dataset.format, dataset.status, dataset.samples],
      ['mnist-t10k', 'idx', 'ready', { test: 10_000 }],
    );
    spec = join(dir, 'digits.yaml');
    await writeFile(spec, specYaml(datasetId));
  });

  test('validate prints the Keras summary of the spec, queueing nothing', async () => {
    const { code, stdout, stderr } = await kiln(['validate', spec], env);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Model: "sequential"/);
    assert.match(stdout, /dense \(Dense\)\s+\(None, 32\)\s+25,120/);
    assert.match(stdout, /Total params: 25,450 \(99\.41 KB\)/);
    const runs = await kiln(['runs', '--json'], env);
    assert.deepEqual(JSON.parse(runs.stdout).runs, []);
    // Options of every command may also come before the command, as in `kiln --url URL runs`.
    const leading = await kiln(['--url', stack.api.url, `--token=${TOKEN}`, '--json', 'runs'], {});
    assert.equal(leading.code, 0, leading.stderr);
    assert.deepEqual(JSON.parse(leading.stdout).runs, []);
  });

  test('run --watch (stdout not a terminal): one plain line per epoch with validation metrics, then exit code 0', async () => {
    const { code, stdout, stderr } = await kiln(['run', spec, '--watch', '--set', 'fit.epochs=2'], env);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.doesNotMatch(stdout, /[\r\x1b]/, 'no redrawn progress lines in a log');
    const lines = stdout.split('\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('Epoch ')),
      ['Epoch 1/2', 'Epoch 2/2'],
      '--set fit.epochs=2 took effect',
    );
    const epochLines = lines.filter((l) => EPOCH_LINE.test(l));
    assert.equal(epochLines.length, 2, stdout);
    assert.ok(
      epochLines.every((l) => l.startsWith('40/40 ')),
      '1,200 training samples in batches of 32',
    );
    assert.ok(lines.indexOf('Epoch 2/2') > lines.indexOf(epochLines[0]!), 'each epoch line follows its header');
    assert.match(stdout, /^Evaluation on 400 test samples - loss: \d+\.\d{4} - accuracy: \d\.\d{4}$/m);
    assert.match(stdout, /^Succeeded$/m);
    runId = /^Run (\S+) queued$/m.exec(stdout)![1]!;
    modelId = /^Model: (\S+)/m.exec(stdout)![1]!;
  });

  test('show draws the epochs, the evaluation and a confusion matrix that adds up to the test split', async () => {
    const { code, stdout, stderr } = await kiln(['show', runId], env);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Status\s+succeeded/);
    assert.match(stdout, new RegExp(`Model\\s+${modelId}`));
    assert.match(stdout, /^epoch\s+loss\s+accuracy\s+val_loss\s+val_accuracy\s+lr\s+time\s+samples\/s$/m);
    assert.match(stdout, /^Evaluation on 400 test samples - loss/m);
    const matrix = stdout.split('\n').slice(stdout.split('\n').findIndex((l) => l.startsWith('true\\pred')));
    assert.match(matrix[0]!, /^true\\pred(\s+\d){10}$/);
    const rows = matrix.slice(1, 11).map((l) =>
      l
        .replace(/[░▒▓█]/g, '')
        .trim()
        .split(/\s+/)
        .map(Number),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(
      rows.flatMap((r) => r.slice(1)).reduce((a, b) => a + b, 0),
      400,
    );

    const json = JSON.parse((await kiln(['show', runId, '--json'], env)).stdout);
    assert.deepEqual([json.status, json.epochs.length, json.modelId], ['succeeded', 2, modelId]);

    const succeeded = await kiln(['runs', '--status', 'succeeded'], env);
    assert.match(succeeded.stdout, new RegExp(`^${runId}\\s+cli-digits\\s+succeeded`, 'm'));
    const failed = await kiln(['runs', '--status', 'failed,canceled'], env);
    assert.equal(failed.stdout.trim(), 'No runs.');
    const logs = await kiln(['logs', runId], env);
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(logs.stdout.match(/epoch\s+epoch \d\/2/g)?.length, 2);
    assert.match(logs.stdout, /status\s+succeeded\n$/);
  });

  test('predict from PNG files: real digits from the dataset, top 3 classes with bars', async () => {
    const response = await fetch(`${stack.api.url}/datasets/${datasetId}/samples?n=5`, { headers: auth });
    const samples = ((await response.json()) as { samples: Array<{ label: number; image: string }> }).samples;
    const files = await Promise.all(
      samples.map(async (s, i) => {
        const file = join(dir, `digit-${i}.png`);
        await writeFile(file, Buffer.from(s.image.split(',')[1]!, 'base64'));
        return file;
      }),
    );
    const { code, stdout, stderr } = await kiln(
      ['predict', modelId, '--input', files[0]!, ...files.slice(1), '--top', '3'],
      env,
    );
    assert.equal(code, 0, stderr);
    const heads = [...stdout.matchAll(/^digit-(\d)\.png → (\d)$/gm)];
    assert.equal(heads.length, 5, stdout);
    const right = heads.filter(([, i, predicted]) => Number(predicted) === samples[Number(i)]!.label).length;
    assert.ok(right >= 3, `${right} of 5 digits recognised:\n${stdout}`);
    const bars = stdout.split('\n').filter((l) => /^ {2}\d {2}[█▉▊▋▌▍▎▏ ]{30} {2} *\d+\.\d%$/.test(l));
    assert.equal(bars.length, 15, `3 bars per image:\n${stdout}`);

    const json = await kiln(['predict', modelId, '--input', files[0]!, '--top', '3', '--json'], env);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.model.id, modelId);
    assert.equal(answer.predictions[0].topK.length, 3);
  });

  test('models lists the registered model; models download unpacks it in TensorFlow.js layers format', async () => {
    const listed = await kiln(['models'], env);
    assert.match(listed.stdout, new RegExp(`^${modelId}\\s+cli-digits\\s+1\\s+${runId}`, 'm'));
    const out = join(dir, 'model');
    const { code, stdout, stderr } = await kiln(['models', 'download', 'cli-digits@1', '-o', out], env);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /cli-digits v1 → /);
    const model = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    assert.equal(model.format, 'layers-model');
    assert.ok(
      (await readFile(join(out, model.weightsManifest[0].paths[0]))).length > 25_450 * 4 - 1,
      'every weight is there',
    );
  });

  /** `kiln predict MODEL --input rows.json --json`: the softmax of each of the given digits. */
  const predictRows = async (model: string, rows: unknown[]) => {
    const input = join(dir, 'digits.json');
    await writeFile(input, JSON.stringify(rows));
    const { code, stdout, stderr } = await kiln(['predict', model, '--input', input, '--json'], env);
    assert.equal(code, 0, stderr);
    return (JSON.parse(stdout).predictions as Array<{ values: number[] }>).map((p) => p.values);
  };

  test('models import: a real Keras 3 file with its 1/255 scaling predicts what its authors’ model gives', async () => {
    const { code, stdout, stderr } = await kiln(
      [
        'models',
        'import',
        KERAS_FIXTURE,
        '--name',
        'keras-digits',
        '--preprocess',
        '{"scale":0.00392156862745098}',
        '--labels',
        DIGITS,
      ],
      env,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Model\s+keras-digits v1 {2}\(\S+\)$/m);
    assert.match(stdout, /^Source\s+imported from keras-3\.14-mnist-cnn\.keras \(keras, saved by Keras 3\.14\.0\)$/m);
    assert.match(stdout, /^Inputs\s+\S+ \(None, 28, 28, 1\)$/m);
    assert.match(stdout, /^Outputs\s+\S+ \(None, 10\)$/m);
    assert.match(stdout, /^Labels\s+0, 1, 2, 3, 4, 5, 6, 7, 8, 9$/m);
    assert.match(stdout, /^Preprocessing\s+\{"scale":0\.00392156862745098\}$/m);

    const shown = await kiln(['models', 'keras-digits@1'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^Source\s+imported from keras-3\.14-mnist-cnn\.keras \(keras, saved by Keras 3\.14\.0\)$/m,
    );
    const json = JSON.parse((await kiln(['models', 'keras-digits', '--json'], env)).stdout);
    assert.deepEqual(json.source, {
      kind: 'import',
      format: 'keras',
      file: 'keras-3.14-mnist-cnn.keras',
      kerasVersion: '3.14.0',
    });

    const rows = mnistPixelRows(20);
    const diff = largestDifference(await predictRows('keras-digits', rows), (await kerasExpected()).probabilities);
    assert.ok(diff < 1e-4, `largest difference from Keras' own outputs: ${diff}`);
  });

  test('models download --format keras and h5 write one file each; imported again, they predict the same', async () => {
    const out = join(dir, 'exported');
    await mkdir(out);
    const keras = await kiln(['models', 'download', 'keras-digits', '--format', 'keras', '-o', `${out}/`], env);
    assert.equal(keras.code, 0, keras.stderr);
    const kerasFile = join(out, 'keras-digits-v1.keras');
    assert.equal(keras.stdout.trim().replace(/ \(\d+\.\d [KM]B\)$/, ''), `keras-digits v1 → ${kerasFile}`);
    assert.equal((await readFile(kerasFile)).subarray(0, 2).toString(), 'PK', 'a .keras is a zip');
    // Without -o, the file is named as the server's Content-Disposition says, in the working directory.
    const h5 = await kiln(['models', 'download', 'keras-digits', '--format', 'h5', '--json'], env, { cwd: out });
    assert.equal(h5.code, 0, h5.stderr);
    const written = JSON.parse(h5.stdout);
    assert.deepEqual([written.format, written.file], ['h5', 'keras-digits-v1.h5']);
    const h5Bytes = await readFile(join(out, 'keras-digits-v1.h5'));
    assert.equal(written.bytes, h5Bytes.length);
    assert.deepEqual([...h5Bytes.subarray(0, 8)], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'an HDF5 file');
    const bad = await kiln(['models', 'download', 'keras-digits', '--format', 'onnx'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format onnx: expected one of tfjs, keras, h5/);

    const rows = mnistPixelRows(20);
    const original = await predictRows('keras-digits', rows);
    for (const [format, file] of [
      ['keras', kerasFile],
      ['h5', join(out, 'keras-digits-v1.h5')],
    ] as const) {
      // No --preprocess this time: the 1/255 is a layer inside the file.
      const again = await kiln(['models', 'import', file, '--name', `again-${format}`, '--json'], env);
      assert.equal(again.code, 0, again.stderr);
      const model = JSON.parse(again.stdout);
      assert.deepEqual(
        [model.name, model.version, model.source.kind, model.source.format, model.preprocessing],
        [`again-${format}`, 1, 'import', format, null],
      );
      const diff = largestDifference(await predictRows(model.id, rows), original);
      assert.ok(diff < 1e-5, `${format}: largest difference ${diff}`);
    }
  });

  test('models evaluate --watch: a run that trains nothing, then its metrics, confusion matrix and per-class scores', async () => {
    const { code, stdout, stderr } = await kiln(
      ['models', 'evaluate', 'keras-digits', '--dataset', datasetId, '--limit', '2000', '--watch'],
      env,
    );
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    const evalRunId = /^Run (\S+) queued$/m.exec(stdout)![1]!;
    assert.match(stdout, new RegExp(`^Evaluating keras-digits v1 \\(\\S+\\) on dataset ${datasetId}$`, 'm'));
    assert.doesNotMatch(stdout, /^Epoch /m, 'nothing is trained');
    const metrics = /^Evaluation on 2000 test samples - loss: \d+\.\d{4} - accuracy: (\d\.\d{4})$/m.exec(stdout);
    assert.ok(metrics, stdout);
    assert.ok(Number(metrics[1]) > 0.97, `accuracy ${metrics[1]} (the authors measured 0.9918 on all 10,000)`);
    assert.match(stdout, /^Succeeded$/m);
    assert.doesNotMatch(stdout, /^Model: /m, 'an evaluation registers no model');
    const lines = stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('true\\pred'));
    assert.ok(header > lines.indexOf('Succeeded'), 'the matrix follows the outcome');
    const counts = lines.slice(header + 1, header + 11).flatMap((l) =>
      l
        .replace(/[░▒▓█]/g, '')
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number),
    );
    assert.equal(counts.length, 100);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      2000,
      'every row evaluated once',
    );
    assert.match(stdout, /^class\s+precision\s+recall\s+support$/m);

    const shown = await kiln(['show', evalRunId], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Evaluates\s+keras-digits v1 {2}\(\S+\)$/m);
    assert.match(shown.stdout, /^Evaluation on 2000 test samples - loss/m);
    const run = JSON.parse((await kiln(['show', evalRunId, '--json'], env)).stdout);
    assert.deepEqual([run.status, run.spec.fit.epochs, run.epochs, run.modelId], ['succeeded', 0, [], null]);

    const queued = await kiln(['models', 'evaluate', 'keras-digits', '--dataset', datasetId, '--limit', '50'], env);
    assert.equal(queued.code, 0, queued.stderr);
    const id = /^Run (\S+) queued$/m.exec(queued.stdout)![1]!;
    assert.match(queued.stdout, new RegExp(`^Watch it: kiln watch ${id}`, 'm'));
    assert.equal((await waitForRun(stack.api.url, id, ['succeeded', 'failed'], 60_000, auth)).status, 'succeeded');
    const noDataset = await kiln(['models', 'evaluate', 'keras-digits', '--dataset', 'no-such-dataset'], env);
    assert.equal(noDataset.code, 1);
    assert.match(noDataset.stderr, /^ {2}dataset\.id: no dataset "no-such-dataset"/m);
  });

  test('a refused import exits non-zero naming the field, and registers nothing', async () => {
    const notJson = await kiln(['models', 'import', KERAS_FIXTURE, '--name', 'refused', '--preprocess', '{scale'], env);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /refused the request \(400 invalid_request\), 1 error:/);
    assert.match(notJson.stderr, /^ {2}preprocess: is not JSON/m);
    const badName = await kiln(['models', 'import', KERAS_FIXTURE, '--name', 'refused@2', '--json'], env);
    assert.equal(badName.code, 1);
    const { error } = JSON.parse(badName.stderr);
    assert.equal(error.status, 400);
    assert.deepEqual(
      error.details.map((d: { path: string }) => d.path),
      ['name'],
    );
    const notAModel = join(dir, 'not-a-model.h5');
    await writeFile(notAModel, 'hello');
    const garbage = await kiln(['models', 'import', notAModel, '--name', 'refused'], env);
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /neither a \.keras zip nor an HDF5/);
    assert.equal((await kiln(['models', 'import', KERAS_FIXTURE], env)).code, 2, '--name is required');
    const missing = await kiln(['models', 'import', join(dir, 'missing.keras'), '--name', 'refused'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing\.keras is not a readable file/);
    assert.deepEqual(JSON.parse((await kiln(['models', '--name', 'refused', '--json'], env)).stdout).models, []);
  });

  test('a spec with errors exits non-zero, naming each field as the api did', async () => {
    const bad = join(dir, 'bad.json');
    const model = { type: 'sequential', layers: [{ type: 'Dense', units: 2, inputShape: [2] }] };
    await writeFile(
      bad,
      JSON.stringify({
        model,
        dataset: { inline: { x: [[0, 1]], y: [[1, 0]] } },
        compile: { optimizer: 'adam', loss: 'mse' },
        fit: { epochs: -1 },
      }),
    );
    const plain = await kiln(['run', bad, '--watch'], env);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /refused the request \(400 invalid_request\)/);
    assert.match(plain.stderr, /^ {2}fit\.epochs: .+$/m);
    const viaSet = await kiln(['validate', spec, '--set', 'model.layers.1.units=-4', '--json'], env);
    assert.equal(viaSet.code, 1);
    const { error } = JSON.parse(viaSet.stderr);
    assert.equal(error.status, 400);
    assert.deepEqual(
      error.details.map((d: { path: string }) => d.path),
      ['model.layers[1].units'],
      'the field the --set broke',
    );
    const plainSet = await kiln(['validate', spec, '--set', 'model.layers.1.units=-4'], env);
    assert.match(plainSet.stderr, /^ {2}model\.layers\[1\]\.units: .*units must be an integer >= 1, got -4$/m);
    const unreadable = await kiln(['run', join(dir, 'missing.yaml')], env);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*missing\.yaml/);
  });

  test('a server that cannot be reached and a bad token get their own message and exit code', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const down = await kiln(['runs'], { ...env, KILN_URL: `http://127.0.0.1:${closedPort}` });
    assert.equal(down.code, 3);
    assert.match(
      down.stderr,
      new RegExp(`cannot reach the Kiln server at http://127.0.0.1:${closedPort} \\(ECONNREFUSED\\)`),
    );
    const refused = await kiln(['runs', '--token', 'not-the-token'], env);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /invalid API token.*--token or set KILN_API_TOKEN/);
    const watchRefused = await kiln(['watch', runId], { ...env, KILN_API_TOKEN: 'not-the-token' });
    assert.equal(watchRefused.code, 4, 'the WebSocket refusal too');
    const missing = await kiln(['show', 'no-such-run'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /run no-such-run does not exist/);
  });

  test('watch reconnects with since when the connection drops, showing every epoch once', async () => {
    const proxy = await startDropProxy(stack.api.url);
    try {
      const watcher = startKiln(['run', spec, '--watch', '--set', 'fit.epochs=4', '--set', 'dataset.limit=6000'], {
        ...env,
        KILN_URL: proxy.url,
      });
      await watcher.waitFor(/^Epoch 2\/4$/m);
      assert.ok(proxy.dropAll() > 0, 'a connection was cut');
      const { code, stdout, stderr } = await watcher.done;
      assert.equal(code, 0, `${stdout}\n${stderr}`);
      assert.match(stderr, /connection lost .*; reconnecting from event \d+/);
      const lines = stdout.split('\n');
      assert.deepEqual(
        lines.filter((l) => l.startsWith('Epoch ')),
        ['Epoch 1/4', 'Epoch 2/4', 'Epoch 3/4', 'Epoch 4/4'],
      );
      assert.equal(lines.filter((l) => EPOCH_LINE.test(l)).length, 4, stdout);
      assert.equal(lines.filter((l) => l === 'Succeeded').length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('Ctrl-C asks whether to cancel or detach; answering c cancels the run and exits non-zero', async () => {
    const watcher = startKiln(['run', spec, '--watch', '--set', 'fit.epochs=200', '--set', 'dataset.limit=6000'], env, {
      stdin: 'pipe',
    });
    await watcher.waitFor(/^Epoch 2\/200$/m);
    const id = /^Run (\S+) queued$/m.exec(watcher.stdout())![1]!;
    watcher.child.kill('SIGINT');
    await watcher.waitFor(/Cancel run .* \(c\), detach .* \(d\)/, 'stderr');
    watcher.child.stdin!.end('c\n');
    const { code, stdout } = await watcher.done;
    assert.equal(code, 1);
    assert.match(stdout, /^Canceled$/m);
    assert.equal((await waitForRun(stack.api.url, id, ['canceled'], 30_000, auth)).status, 'canceled');
  });

  test('Ctrl-C with nobody to answer detaches: the run goes on and kiln exits 130', async () => {
    const watcher = startKiln(['run', spec, '--watch', '--set', 'fit.epochs=3'], env);
    await watcher.waitFor(/^Epoch 1\/3$/m);
    const id = /^Run (\S+) queued$/m.exec(watcher.stdout())![1]!;
    watcher.child.kill('SIGINT');
    const { code, stderr } = await watcher.done;
    assert.equal(code, 130);
    assert.match(stderr, new RegExp(`Detached; run ${id} goes on`));
    assert.equal(
      (await waitForRun(stack.api.url, id, ['succeeded', 'failed', 'canceled'], 60_000, auth)).status,
      'succeeded',
    );
  });

  test('datasets fetch registers a URL; aliases, and deleting models, runs and datasets, each with its refusal', async () => {
    const npz = zipSync({
      'x.npy': npy('<f4', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
      'y.npy': npy('<i4', [4], [0, 1, 0, 1]),
    });
    const server = createHttpServer((req, res) =>
      req.url === '/data.npz' ? res.end(Buffer.from(npz)) : res.writeHead(404).end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/data.npz`;
      const fetched = await kiln(['datasets', 'fetch', url, '--name', 'remote-npz'], env);
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.match(fetched.stdout, /^Status\s+ready$/m);
      assert.match(fetched.stdout, /^Input shape\s+\[2\] float32$/m);
      const remoteId = /^Dataset\s+(\S+)\s+\(remote-npz\)$/m.exec(fetched.stdout)![1]!;
      const unchecked = await kiln(['datasets', 'fetch', url, '--name', 'bad', '--sha256', '0'.repeat(64)], env);
      assert.equal(unchecked.code, 1, 'a checksum mismatch ends the dataset failed');
      assert.match(unchecked.stdout, /^Error\s+.*checksum mismatch/m);

      assert.equal((await kiln(['datasets', 'delete', remoteId], env)).code, 0);
      const gone = await kiln(['datasets', remoteId], env);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /does not exist/);
    } finally {
      server.close();
    }

    const aliased = await kiln(['models', 'alias', 'cli-digits', 'production', '1'], env);
    assert.equal(aliased.code, 0, aliased.stderr);
    assert.equal(aliased.stdout.trim(), 'cli-digits@production → v1');
    const shown = (await kiln(['models', 'cli-digits@production'], env)).stdout;
    assert.match(shown, new RegExp(`^Model\\s+cli-digits v1  \\(${modelId}\\)$`, 'm'));
    // The source run's test metrics (the run above has a test split).
    assert.match(shown, /^Evaluation\s+loss: \d+\.\d{4} - accuracy: \d\.\d{4}/m);
    const refused = await kiln(['models', 'delete', 'cli-digits@1'], env);
    assert.equal(refused.code, 1, 'a version an alias points at is kept');
    assert.match(refused.stderr, /alias/);
    assert.equal((await kiln(['models', 'unalias', 'cli-digits', 'production'], env)).code, 0);
    assert.equal((await kiln(['models', 'delete', 'cli-digits@1'], env)).code, 0);
    assert.equal((await kiln(['models', modelId], env)).code, 1);
    assert.equal((await kiln(['models', 'alias', 'cli-digits', 'production', 'one'], env)).code, 2);

    const deleted = await kiln(['runs', 'delete', runId], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), `Run ${runId} deleted`);
    assert.equal((await kiln(['show', runId], env)).code, 1);
  });
});
