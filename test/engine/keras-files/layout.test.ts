import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import {
  loadKerasModel,
  readKerasModelFile,
  writeKerasFile,
  writeLegacyH5,
} from '../../../src/engine/keras-files/index.ts';
import { listZip } from '../../../src/engine/keras-files/zip-read.ts';
import { DEFAULT_LIMITS } from '../../../src/engine/keras-files/limits.ts';
import { fixture } from './helpers.ts';
import { hasH5py, treeWithH5py, treeWithH5wasm, without, type H5Tree } from './h5-tree.ts';

// The fixtures were saved by Keras itself. Reading one into Kiln and writing it out again must give the
// layout Keras gives the same layers. Two differences are expected: Kiln writes no optimizer state, and it
// writes every model as Functional, whose model.layers (unlike a Sequential's) include the InputLayer.

before(async () => {
  await tf.setBackend('cpu');
});

const KERAS = 'keras-3.14-mnist-cnn.keras';
const H5 = 'keras-2.12-mnist-cnn.h5';

/** Attribute values are compared by kind (str, str[n], float64[0]); `name` attributes by value as well. */
function shapeOf(tree: H5Tree): H5Tree {
  return Object.fromEntries(
    Object.entries(tree).map(([path, node]) => [
      path,
      {
        ...node,
        attrs: Object.fromEntries(Object.entries(node.attrs).map(([k, v]) => [k, k === 'name' ? v : v.split(':')[0]!])),
      },
    ]),
  );
}

function reexport(name: string, write: (m: tf.LayersModel) => Uint8Array): Uint8Array {
  const model = loadKerasModel(readKerasModelFile(fixture(name), name));
  try {
    return write(model);
  } finally {
    model.dispose();
  }
}

const readers = [{ name: 'h5wasm', tree: treeWithH5wasm, skip: false as string | false }];
readers.push({
  name: 'h5py',
  tree: treeWithH5py,
  skip: hasH5py() ? false : 'h5py is not installed for /usr/bin/python3 (apt-get install python3-h5py)',
});

test('.keras zip: the members, their order and storage, metadata.json and config.json keys as Keras 3.14 writes them', () => {
  const ours = reexport(KERAS, (m) => writeKerasFile(m));
  const [theirs, mine] = [fixture(KERAS), ours].map((b) => listZip(b, DEFAULT_LIMITS, 'zip'));
  assert.deepEqual(
    mine.map((e) => [e.name, e.method]),
    theirs.map((e) => [e.name, e.method]),
  );
  const [a, b] = [fixture(KERAS), ours].map((bytes) => unzipSync(bytes));
  const json = (files: Record<string, Uint8Array>, name: string) =>
    JSON.parse(new TextDecoder().decode(files[name])) as Record<string, any>;
  assert.deepEqual(Object.keys(json(b, 'metadata.json')), Object.keys(json(a, 'metadata.json')));
  assert.match(json(b, 'metadata.json').date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
  const [fixtureConfig, ourConfig] = [json(a, 'config.json'), json(b, 'config.json')];
  assert.deepEqual(
    Object.keys(ourConfig),
    Object.keys(fixtureConfig).filter((k) => k !== 'compile_config'),
  );
  for (const layer of ourConfig.config.layers) {
    const same = fixtureConfig.config.layers.find((l: any) => l.class_name === layer.class_name);
    assert.ok(same, `the fixture has a ${layer.class_name}`);
    // Functional configs add `name` and `inbound_nodes` to each layer entry.
    const entryKeys = Object.keys(layer).filter((k) => k !== 'name' && k !== 'inbound_nodes' && k !== 'build_config');
    assert.deepEqual(
      entryKeys,
      Object.keys(same).filter((k) => k !== 'build_config'),
      layer.class_name,
    );
    for (const key of Object.keys(layer.config))
      assert.ok(key in same.config, `${layer.class_name} argument "${key}" is one Keras 3.14 writes`);
    // Keras 3.14 writes the dtype policy object (the fixture also numbers shared objects, which Keras needs not).
    const { shared_object_id: _id, ...policy } = same.config.dtype;
    assert.deepEqual(
      layer.config.dtype,
      layer.class_name === 'InputLayer' ? same.config.dtype : policy,
      layer.class_name,
    );
  }
});

test('kerasVersion: before Keras 3.5 a layer dtype is written as a string, as those versions wrote and read it', () => {
  const bytes = reexport(KERAS, (m) =>
    writeKerasFile(m, { kerasVersion: '3.3.3', dateSaved: new Date(2024, 4, 1, 12, 0, 0) }),
  );
  const files = unzipSync(bytes);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(files['metadata.json'])), {
    keras_version: '3.3.3',
    date_saved: '2024-05-01@12:00:00',
  });
  const config = JSON.parse(new TextDecoder().decode(files['config.json']));
  assert.equal(config.config.layers.find((l: any) => l.class_name === 'Conv2D').config.dtype, 'float32');
});

for (const reader of readers) {
  test(
    `model.weights.h5 (read with ${reader.name}): the same groups, datasets and attributes as the fixture`,
    { skip: reader.skip },
    () => {
      const ours = unzipSync(reexport(KERAS, (m) => writeKerasFile(m)))['model.weights.h5']!;
      const theirs = unzipSync(fixture(KERAS))['model.weights.h5']!;
      const expected = shapeOf(without(reader.tree(theirs), 'optimizer'));
      const actual = shapeOf(reader.tree(ours));
      assert.deepEqual(actual['layers/input_layer/vars'], { kind: 'group', attrs: { name: 'str:input_layer' } });
      assert.deepEqual(without(actual, 'layers/input_layer'), expected);
    },
  );

  test(
    `legacy .h5 (read with ${reader.name}): the same attributes, groups and weight datasets as the fixture`,
    { skip: reader.skip },
    () => {
      const ours = reexport(H5, (m) => writeLegacyH5(m));
      const theirs = shapeOf(without(reader.tree(fixture(H5)), 'optimizer_weights'));
      const actual = shapeOf(reader.tree(ours));
      // Keras 2 saved the training configuration too; Kiln's export carries no compile state.
      assert.deepEqual({ ...actual['/'], attrs: { ...actual['/']!.attrs, training_config: 'str' } }, theirs['/']);
      delete theirs['/'];
      delete actual['/'];
      // Kiln's Functional model lists its InputLayer (named by Keras 2 after the first layer) among the layers.
      assert.equal(actual['model_weights']!.attrs.layer_names, 'str[5]');
      actual['model_weights']!.attrs.layer_names = 'str[4]';
      assert.deepEqual(actual['model_weights/conv2d_input'], { kind: 'group', attrs: { weight_names: 'float64[0]' } });
      assert.deepEqual(without(actual, 'model_weights/conv2d_input'), theirs);
    },
  );
}
