import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { buildModel } from '../../../src/engine/model/index.ts';
import { h5Write } from '../../../src/engine/keras-files/h5-file.ts';
import {
  KerasFileError,
  loadKerasModel,
  readKerasModelFile,
  writeKerasFile,
  type KerasFileErrorCode,
} from '../../../src/engine/keras-files/index.ts';
import { fixture } from './helpers.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const KERAS = 'keras-3.14-mnist-cnn.keras';
const H5 = 'keras-2.12-mnist-cnn.h5';
const text = (s: string) => new TextEncoder().encode(s);

function refused(fn: () => unknown, code: KerasFileErrorCode, message: RegExp, path?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KerasFileError, `expected a KerasFileError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  });
}

/** The fixture's members, for building altered archives. */
function fixtureMembers(): Record<string, Uint8Array> {
  return unzipSync(fixture(KERAS));
}

function fixtureConfig(): { config: { layers: Array<Record<string, any>> } } {
  return JSON.parse(new TextDecoder().decode(fixtureMembers()['config.json']));
}

function rezip(members: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, [v, { level }]])) as Zippable);
}

function denseModel(units: number[]): Uint8Array {
  const layers = units.map((u, i) => ({ type: 'Dense', units: u, ...(i === 0 ? { input_shape: [4] } : {}) }));
  const model = buildModel({ type: 'sequential', name: 'mlp', layers }, { seed: 1 });
  try {
    return writeKerasFile(model);
  } finally {
    model.dispose();
  }
}

test('truncated files: a .keras cut short, a .h5 cut short, an empty file', () => {
  const keras = fixture(KERAS);
  refused(
    () => readKerasModelFile(keras.subarray(0, keras.length / 2), 'cut.keras'),
    'truncated',
    /"cut\.keras".*truncated/,
  );
  const h5 = fixture(H5);
  refused(
    () => readKerasModelFile(h5.subarray(0, 5000), 'cut.h5'),
    'truncated',
    /"cut\.h5".*truncated \(it declares 681304 bytes, 5000 are present\)/,
  );
  refused(() => readKerasModelFile(new Uint8Array(0), 'empty.keras'), 'truncated', /"empty\.keras" is empty/);
});

test('not a Keras file: not a zip, an HDF5 file of something else, a damaged zip member', () => {
  refused(
    () => readKerasModelFile(text('{"class_name": "Sequential"}'), 'model.keras'),
    'not_a_keras_file',
    /"model\.keras" is not a zip archive/,
  );
  refused(() => readKerasModelFile(text('hello'), 'x.bin'), 'not_a_keras_file', /neither a \.keras zip nor an HDF5/);
  const other = h5Write((f) => f.create_group('images'));
  refused(
    () => readKerasModelFile(other, 'data.h5'),
    'not_a_keras_file',
    /"data\.h5": an HDF5 file, but neither a Keras model/,
  );
  const damaged = rezip(fixtureMembers());
  const at = damaged.indexOf(0x7b); // the first "{" of metadata.json, stored as is
  damaged[at + 3] ^= 0xff;
  refused(
    () => readKerasModelFile(damaged, 'damaged.keras'),
    'corrupt',
    /member "metadata\.json" fails its CRC-32 check/,
    'metadata.json',
  );
});

test('missing config: a .keras without config.json, an .h5 without model_config', () => {
  const { 'config.json': _config, ...rest } = fixtureMembers();
  refused(
    () => readKerasModelFile(rezip(rest), 'noconfig.keras'),
    'missing_config',
    /has no config\.json \(members: metadata\.json, model\.weights\.h5\)/,
    'config.json',
  );
  const { 'model.weights.h5': _weights, ...noWeights } = fixtureMembers();
  refused(
    () => readKerasModelFile(rezip(noWeights), 'noweights.keras'),
    'missing_member',
    /has no model\.weights\.h5/,
    'model.weights.h5',
  );
  const h5 = h5Write((f) => f.create_group('model_weights').create_attribute('layer_names', ['dense']));
  refused(
    () => readKerasModelFile(h5, 'noconfig.h5'),
    'missing_config',
    /model_weights but no model_config/,
    'model_config',
  );
});

test('a weight whose shape does not fit the layer: both shapes and the weight path are named', () => {
  const config = unzipSync(denseModel([8, 5]))['config.json']!;
  const weights = unzipSync(denseModel([8, 7]))['model.weights.h5']!;
  const file = readKerasModelFile(
    rezip({ 'metadata.json': text('{}'), 'config.json': config, 'model.weights.h5': weights }),
    'mixed.keras',
  );
  refused(
    () => loadKerasModel(file),
    'weight_shape',
    /layer "dense_1" \(Dense\): weight "layers\/dense_1\/vars\/0" has shape \[8, 7\] but the layer's kernel needs \[8, 5\]/,
    'layers/dense_1/vars/0',
  );
});

test('weights the config lacks, and layers the weights lack', () => {
  const one = unzipSync(denseModel([3]));
  const two = unzipSync(denseModel([3, 3]));
  const extra = rezip({ 'config.json': one['config.json']!, 'model.weights.h5': two['model.weights.h5']! });
  refused(
    () => readKerasModelFile(extra, 'extra.keras'),
    'unexpected_weights',
    /2 variable\(s\) at "layers\/dense_1", which is no layer of the model config/,
    'layers/dense_1',
  );
  const missing = readKerasModelFile(
    rezip({ 'config.json': two['config.json']!, 'model.weights.h5': one['model.weights.h5']! }),
    'missing.keras',
  );
  refused(
    () => loadKerasModel(missing),
    'missing_weights',
    /layer "dense_1" \(Dense\) needs 2 weight\(s\) \(kernel \[3, 3\], bias \[3\]\) but the file has 0/,
    'dense_1',
  );
});

test("layers Kiln cannot build (Lambda, an unknown class) are refused with the validator's issues", () => {
  for (const [className, pattern] of [
    ['Lambda', /Lambda/],
    ['FancyAttention', /FancyAttention/],
  ] as const) {
    const config = fixtureConfig();
    config.config.layers[7] = {
      module: 'keras.layers',
      class_name: className,
      config: { name: 'dropout', function: 'lambda x: x' },
      registered_name: null,
    };
    const members = { ...fixtureMembers(), 'config.json': text(JSON.stringify(config)) };
    const file = readKerasModelFile(rezip(members), `${className}.keras`);
    refused(
      () => loadKerasModel(file),
      'unsupported_model',
      new RegExp(`Kiln cannot build this Keras model: model\\.config\\.config\\.layers\\[7\\].*${pattern.source}`),
    );
  }
});

test('zip bombs: too many members, too many declared bytes, a member inflating past its declared size', () => {
  refused(
    () => readKerasModelFile(fixture(KERAS), 'm.keras', { limits: { maxZipMembers: 2 } }),
    'zip_bomb',
    /3 members, more than the limit of 2/,
  );
  const zeros = new Uint8Array(8 * 1024 * 1024);
  const big = rezip({ 'config.json': fixtureMembers()['config.json']!, 'assets/blob': zeros }, 6);
  assert.ok(big.length < 100_000, 'eight MiB of zeros deflate to a few KiB');
  refused(
    () => readKerasModelFile(big, 'big.keras', { limits: { maxUncompressedBytes: 1024 * 1024 } }),
    'zip_bomb',
    /declare more than 1\.0 MiB uncompressed \(at "assets\/blob"\)/,
    'assets/blob',
  );
  // A member whose directory entry claims 1000 bytes but inflates to 8 MiB: inflating stops at the claim.
  const liar = rezip({ 'config.json': fixtureMembers()['config.json']!, 'model.weights.h5': zeros }, 6);
  const view = new DataView(liar.buffer);
  for (let at = liar.length - 22; at >= 0; at--) {
    if (
      view.getUint32(at, true) === 0x02014b50 &&
      new TextDecoder().decode(liar.subarray(at + 46, at + 46 + 16)) === 'model.weights.h5'
    )
      view.setUint32(at + 24, 1000, true);
  }
  refused(
    () => readKerasModelFile(liar, 'liar.keras'),
    'zip_bomb',
    /member "model\.weights\.h5" inflates past its declared size of 1000 bytes; inflating stopped/,
    'model.weights.h5',
  );
});

test('HDF5 bombs: more weight bytes than allowed, a tiny file declaring a huge dataset, too many objects', () => {
  refused(
    () => readKerasModelFile(fixture(KERAS), 'm.keras', { limits: { maxWeightBytes: 100_000 } }),
    'hdf5_bomb',
    /reading "layers\/dense\/vars\/0" \(800\.0 KiB\) would pass the limit of 97\.7 KiB/,
    'layers/dense/vars/0',
  );
  refused(
    () => readKerasModelFile(fixture(H5), 'm.h5', { limits: { maxWeightBytes: 100_000 } }),
    'hdf5_bomb',
    /"model_weights\/dense\/dense\/kernel:0" \(211\.3 KiB\)/,
  );
  const bomb = h5Write((f) => {
    const vars = f.create_group('layers').create_group('dense').create_group('vars');
    vars.create_dataset({
      name: '0',
      data: new Float32Array(4096 * 1024),
      shape: [4096, 1024],
      dtype: '<f',
      chunks: [256, 1024],
      compression: 'gzip',
    });
  });
  assert.ok(bomb.length < 100_000, `a 16 MiB dataset of zeros compresses to ${bomb.length} bytes`);
  refused(
    () => readKerasModelFile(bomb, 'bomb.weights.h5', { limits: { maxWeightBytes: 8 * 1024 * 1024 } }),
    'hdf5_bomb',
    /"layers\/dense\/vars\/0" \(16\.0 MiB\) would pass the limit of 8\.0 MiB/,
  );
  refused(
    () => readKerasModelFile(fixture(KERAS), 'm.keras', { limits: { maxHdf5Objects: 5 } }),
    'hdf5_bomb',
    /more than 5 groups and datasets/,
  );
});

test('hard_sigmoid, which Keras 3 computes otherwise than TensorFlow.js: a Keras 3 file using it is refused naming the layer, and so is writing one', () => {
  const config = fixtureConfig();
  const dense = config.config.layers.find((l) => l.class_name === 'Dense')!;
  dense.config.activation = 'hard_sigmoid';
  const members = { ...fixtureMembers(), 'config.json': text(JSON.stringify(config)) };
  const file = readKerasModelFile(rezip(members), 'hard.keras');
  refused(
    () => loadKerasModel(file),
    'unsupported_model',
    /uses hard_sigmoid, which Keras 3 computes as relu6/,
    dense.config.name,
  );

  const model = buildModel(
    {
      type: 'sequential',
      name: 'gate',
      layers: [{ type: 'Dense', units: 2, activation: 'hard_sigmoid', input_shape: [4] }],
    },
    { seed: 1 },
  );
  try {
    refused(
      () => writeKerasFile(model),
      'unsupported_model',
      /a \.keras file would not predict what Kiln predicts; download it as h5/,
    );
  } finally {
    model.dispose();
  }
});
