import { withH5Read, type H5File } from './h5-file.ts';
import { childGroup, ReadBudget, readNameListAttr, readTextAttr, readWeight } from './h5-values.ts';
import { KerasFileError } from './keras-file-error.ts';
import type { KerasFileLimits } from './limits.ts';
import { configLayerNames, parseModelConfig } from './model-config.ts';
import { isObjectStore, readObjectStore } from './read-object-store.ts';
import type { KerasModelFile, WeightMap } from './types.ts';

// HDF5 files Keras writes:
// - `model.save("x.h5")` (tf.keras 2.x, and Keras 3's legacy_h5_format): root attributes `keras_version`,
//   `backend`, `model_config` (JSON, as text or bytes); group `model_weights` whose `layer_names`
//   attribute lists the layers and whose `<layer>` groups list their datasets in `weight_names`, in the
//   layer's weight order (`conv2d/kernel:0`, `conv2d/bias:0`), paths relative to the layer group.
// - tf.keras 2 `save_weights("x.h5")`: the same layer groups at the root, without `model_config`.
// - Keras 3 `save_weights("x.weights.h5")`: the object-path store of a .keras (read-object-store.ts).

type Group = NonNullable<ReturnType<typeof childGroup>>;

function readLayerGroups(parent: Group, prefix: string, budget: ReadBudget): WeightMap {
  const where = prefix || '/';
  const layerNames = readNameListAttr(parent, 'layer_names', where);
  if (!layerNames) throw new KerasFileError('corrupt', `"${where}" has no layer_names attribute`, where);
  const out: WeightMap = new Map();
  for (const layer of layerNames) {
    const path = prefix ? `${prefix}/${layer}` : layer;
    budget.takeObject(path);
    const group = childGroup(parent, layer);
    if (!group)
      throw new KerasFileError(
        'missing_weights',
        `layer "${layer}" is listed in layer_names but "${path}" is not in the file`,
        layer,
      );
    const weightNames = readNameListAttr(group, 'weight_names', path) ?? [];
    out.set(
      layer,
      weightNames.map((name) => readWeight(group, name, `${path}/${name}`, budget)),
    );
  }
  return out;
}

function readFullModel(file: H5File, configText: string, budget: ReadBudget, label: string): KerasModelFile {
  const modelConfig = parseModelConfig(configText, 'the model_config attribute', label);
  const group = childGroup(file, 'model_weights');
  if (!group)
    throw new KerasFileError(
      'missing_member',
      `${label}: the file has a model_config but no model_weights group`,
      'model_weights',
    );
  const weights = readLayerGroups(group, 'model_weights', budget);
  const known = new Set(configLayerNames(modelConfig));
  for (const [layer, tensors] of weights) {
    if (!known.has(layer) && tensors.length > 0) {
      throw new KerasFileError(
        'unexpected_weights',
        `${label}: model_weights has weights for layer "${layer}", which the model_config does not have`,
        layer,
      );
    }
  }
  const kerasVersion =
    readTextAttr(file, 'keras_version', '/') ?? readTextAttr(group, 'keras_version', 'model_weights');
  return { format: 'h5', kerasVersion, modelConfig, weights, weightKeys: 'layer' };
}

/** Reads an HDF5 Keras file: a whole legacy model (`.h5`) or a weights-only file of either generation. */
export function readHdf5(bytes: Uint8Array, limits: KerasFileLimits, label: string): KerasModelFile {
  return withH5Read(bytes, label, (file) => {
    const budget = new ReadBudget(limits.maxWeightBytes, limits.maxHdf5Objects, label);
    const configText = readTextAttr(file, 'model_config', '/');
    if (configText !== undefined) return readFullModel(file, configText, budget, label);
    const kerasVersion = readTextAttr(file, 'keras_version', '/');
    if (isObjectStore(file))
      return { format: 'weights.h5', kerasVersion, weights: readObjectStore(file, budget), weightKeys: 'object-path' };
    if (readNameListAttr(file, 'layer_names', '/'))
      return { format: 'weights.h5', kerasVersion, weights: readLayerGroups(file, '', budget), weightKeys: 'layer' };
    if (file.keys().includes('model_weights')) {
      throw new KerasFileError(
        'missing_config',
        `${label}: the file has model_weights but no model_config attribute`,
        'model_config',
      );
    }
    throw new KerasFileError(
      'not_a_keras_file',
      `${label}: an HDF5 file, but neither a Keras model (no model_config) nor a Keras weights file`,
    );
  });
}
