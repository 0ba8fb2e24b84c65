import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import {
  loadKerasModel,
  readKerasModelFile,
  writeKerasFile,
  writeLegacyH5,
} from '../../../src/engine/keras-files/index.ts';
import { maxAbsDiff } from './helpers.ts';
import {
  buildRandomized,
  cnnInput,
  cnnSpec,
  everyLayerInputs,
  everyLayerSpec,
  twoHeadInputs,
  twoHeadSpec,
} from './models.ts';

// Both directions against Keras itself (see keras-made/README.md): files Keras 3.14 saved are read into
// Kiln here, always; files Kiln writes are loaded by Keras when KILN_KERAS_PYTHONPATH makes it importable.
// keras-made/shims is appended to that path: its stand-ins only apply where the real packages are missing.

const DIR = fileURLToPath(new URL('./keras-made/', import.meta.url));

before(async () => {
  await tf.setBackend('cpu');
});

interface Sample {
  inputs: Array<{ dtype: string; shape: number[]; data: number[] }>;
  outputs: Array<{ shape: number[]; data: number[] }>;
}

const toTensors = (s: Sample) =>
  s.inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype === 'int32' ? 'int32' : 'float32'));

test('files saved by Keras 3.14 (every layer type, names auto-numbered apart from their object paths) predict as in Keras', () => {
  const sample = JSON.parse(readFileSync(join(DIR, 'every.json'), 'utf8')) as Sample & { keras_version: string };
  const keras = new Uint8Array(readFileSync(join(DIR, 'every.keras')));
  const archive = unzipSync(keras);
  const modelConfig = JSON.parse(new TextDecoder().decode(archive['config.json'])) as Record<string, unknown>;
  const files = [
    readKerasModelFile(keras, 'every.keras'),
    readKerasModelFile(new Uint8Array(readFileSync(join(DIR, 'every.h5'))), 'every.h5'),
    readKerasModelFile(archive['model.weights.h5']!, 'every.weights.h5'),
  ];
  // The layer Keras named conv2d_1 keeps its weights at layers/conv2d, the first Conv2D of model.layers.
  assert.equal(files[0]!.weights.get('conv2d_1')?.[0]?.name, 'layers/conv2d/vars/0');
  assert.equal(files[0]!.weights.get('bidirectional')?.[3]?.name, 'layers/bidirectional/backward_layer/cell/vars/0');
  assert.equal(files[1]!.weights.get('conv2d_1')?.[0]?.name, 'model_weights/conv2d_1/conv2d_1/kernel');
  const xs = toTensors(sample);
  const want = sample.outputs.map((o) => tf.tensor(o.data, o.shape));
  for (const file of files) {
    assert.equal(file.kerasVersion, file.format === 'weights.h5' ? undefined : sample.keras_version);
    const model = loadKerasModel(file, { modelConfig: file.modelConfig ?? modelConfig });
    const got = model.predict(xs) as tf.Tensor[];
    const diff = maxAbsDiff(got, want);
    assert.ok(diff < 1e-5, `${file.format}: largest difference ${diff}`);
    tf.dispose(got);
    model.dispose();
  }
  tf.dispose([...xs, ...want]);
});

const pythonPath = process.env.KILN_KERAS_PYTHONPATH;

test(
  'Keras itself loads the .keras and .h5 files Kiln writes and predicts what Kiln predicts',
  {
    skip: pythonPath
      ? false
      : 'set KILN_KERAS_PYTHONPATH to a PYTHONPATH where Keras 3 imports (see keras-made/README.md)',
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-keras-check-'));
    try {
      const manifest: Record<string, unknown> = {};
      const cases = {
        cnn: [cnnSpec, cnnInput],
        two: [twoHeadSpec, twoHeadInputs],
        every: [everyLayerSpec, everyLayerInputs],
      } as const;
      for (const [name, [spec, inputs]] of Object.entries(cases)) {
        const model = buildRandomized(spec, 3);
        const x = (inputs as () => tf.Tensor | tf.Tensor[])();
        const xs = Array.isArray(x) ? x : [x];
        const y = model.predict(x) as tf.Tensor | tf.Tensor[];
        writeFileSync(join(dir, `${name}.keras`), writeKerasFile(model));
        writeFileSync(join(dir, `${name}.h5`), writeLegacyH5(model));
        const outputs = (Array.isArray(y) ? y : [y]).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
        manifest[name] = {
          files: [`${name}.keras`, `${name}.h5`],
          inputs: xs.map((t) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.dataSync()) })),
          outputs,
        };
        tf.dispose([xs, y].flat());
        model.dispose();
      }
      {
        // Preprocessing built in: Keras on raw values must give what Kiln gives on preprocessed ones.
        const model = buildRandomized(cnnSpec, 5);
        const raw = tf.mul(cnnInput(), 255);
        const mean = Array.from({ length: 144 }, (_, i) => 100 + i / 2);
        const std = Array.from({ length: 144 }, (_, i) => 30 + i / 10);
        const pre = tf.div(tf.sub(tf.mul(raw, 0.5), tf.tensor(mean, [1, 12, 12, 1])), tf.tensor(std, [1, 12, 12, 1]));
        const y = model.predict(pre) as tf.Tensor;
        writeFileSync(join(dir, 'pre.keras'), writeKerasFile(model, { preprocessing: { scale: 0.5, mean, std } }));
        manifest.pre = {
          files: ['pre.keras'],
          inputs: [{ dtype: 'float32', shape: raw.shape, data: Array.from(raw.dataSync()) }],
          outputs: [{ shape: y.shape, data: Array.from(y.dataSync()) }],
        };
        tf.dispose([raw, pre, y]);
        model.dispose();
      }
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const run = spawnSync('/usr/bin/python3', [join(DIR, 'load_check.py'), dir], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PYTHONDONTWRITEBYTECODE: '1',
          PYTHONPATH: `${pythonPath}:${join(DIR, 'shims')}`,
          KERAS_BACKEND: process.env.KERAS_BACKEND ?? 'torch',
        },
        timeout: 300_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const results = JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<
        string,
        { ok: boolean; diff?: number; error?: string }
      >;
      for (const [file, r] of Object.entries(results)) {
        assert.ok(r.ok, `${file}: ${r.error}`);
        assert.ok((r.diff as number) < 1e-5, `${file}: Keras differs from Kiln by ${r.diff}`);
      }
      assert.equal(Object.keys(results).length, 7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
