import { findLayerDef } from '../model/layers/index.ts';
import { kerasSnakeCase } from '../model/naming.ts';
import { configLayerName, kerasLayerOrder } from './graph-order.ts';
import { KerasFileError } from './keras-file-error.ts';
import type { WeightMap, WeightTensor } from './types.ts';

// Keras 3 (keras/src/saving/saving_lib.py) stores a layer's variables under its OBJECT PATH, not its
// name: `_save_container_state` walks `model.layers` and names each entry
// `to_snake_case(type(layer).__name__)`, with `_<k>` appended for the k-th repeat of the same class
// (`_get_unique_name`). A layer's own variables go to `<path>/vars/<i>`; objects it holds as attributes
// get nested paths named after the attribute: an RNN's `cell`, a Bidirectional's `forward_layer` and
// `backward_layer`, a nested model's `layers`. Sequential.layers leaves out the leading InputLayer;
// Functional.layers includes InputLayers and follows graph order (see graph-order.ts).

type Json = Record<string, unknown>;

/** Where one layer's variables live, in the order Keras lists `layer.weights`. */
export interface LayerObjectPaths {
  layer: string;
  className: string;
  /** Paths of the objects whose `vars` groups hold the layer's variables, e.g. ["layers/lstm", "layers/lstm/cell"]. */
  paths: string[];
}

const RNN_CLASSES = new Set(['LSTM', 'GRU', 'SimpleRNN']);
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Python class Keras instantiates for a config class name (aliases such as MaxPool2D resolved). */
function canonicalClass(className: string): string {
  if (MODEL_CLASSES.has(className)) return className === 'Model' ? 'Functional' : className;
  return findLayerDef(className)?.type ?? className;
}

/** Keras' naming.to_snake_case: non-word characters dropped, then CamelCase split. */
export function toSnakeCase(className: string): string {
  return kerasSnakeCase(className.replace(/\W+/g, ''));
}

function innerClass(layer: Json): string | undefined {
  const inner = isObject(layer.config) ? layer.config.layer : undefined;
  return isObject(inner) && typeof inner.class_name === 'string' ? canonicalClass(inner.class_name) : undefined;
}

function ownPaths(className: string, layer: Json, path: string): string[] {
  if (RNN_CLASSES.has(className)) return [path, `${path}/cell`];
  if (className === 'Bidirectional') {
    const cell = RNN_CLASSES.has(innerClass(layer) ?? '') ? '/cell' : '';
    return [
      path,
      `${path}/forward_layer`,
      `${path}/forward_layer${cell}`,
      `${path}/backward_layer`,
      `${path}/backward_layer${cell}`,
    ].filter((p, i, all) => all.indexOf(p) === i);
  }
  return [path];
}

/** The layers of a model config in `model.layers` order (Sequential: without its leading InputLayer). */
function trackedLayers(model: Json): Json[] {
  const config = model.config;
  const list = Array.isArray(config)
    ? config
    : isObject(config) && Array.isArray(config.layers)
      ? config.layers
      : undefined;
  if (!list) throw new KerasFileError('invalid_config', 'the model config has no layer list');
  const layers = list.filter(isObject);
  if (model.class_name === 'Sequential') return layers[0]?.class_name === 'InputLayer' ? layers.slice(1) : layers;
  const byName = new Map(layers.map((l) => [configLayerName(l), l]));
  return kerasLayerOrder(config as Json).map((name) => byName.get(name) as Json);
}

/** Object paths of every layer of a Keras model config, nested models flattened (their layers listed, not the model). */
export function kerasObjectPaths(model: Json, prefix = ''): LayerObjectPaths[] {
  if (typeof model.class_name !== 'string' || !MODEL_CLASSES.has(model.class_name)) {
    throw new KerasFileError(
      'invalid_config',
      `the model config must be a Sequential or Functional model, got class "${String(model.class_name)}"`,
    );
  }
  const used = new Map<string, number>();
  const out: LayerObjectPaths[] = [];
  for (const layer of trackedLayers(model)) {
    const className = canonicalClass(String(layer.class_name));
    const base = toSnakeCase(className);
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    const path = `${prefix}layers/${seen === undefined ? base : `${base}_${seen + 1}`}`;
    if (MODEL_CLASSES.has(className)) out.push(...kerasObjectPaths({ ...layer, class_name: className }, `${path}/`));
    else out.push({ layer: configLayerName(layer) ?? path, className, paths: ownPaths(className, layer, path) });
  }
  return out;
}

/**
 * Gives weights stored by object path (a Keras 3 `.weights.h5`, or the inside of a `.keras`) to the
 * layers of a model config; refuses weights that belong to no layer of the config.
 */
export function matchWeightsToModel(modelConfig: Json, weightsByObjectPath: Map<string, WeightTensor[]>): WeightMap {
  const out: WeightMap = new Map();
  const used = new Set<string>();
  for (const { layer, paths } of kerasObjectPaths(modelConfig)) {
    const tensors: WeightTensor[] = [];
    for (const p of paths) {
      used.add(p);
      tensors.push(...(weightsByObjectPath.get(p) ?? []));
    }
    out.set(layer, tensors);
  }
  for (const [path, tensors] of weightsByObjectPath) {
    if (!used.has(path) && tensors.length > 0) {
      const known = kerasObjectPaths(modelConfig)
        .map((l) => `${l.layer} → ${l.paths[0]}`)
        .join(', ');
      throw new KerasFileError(
        'unexpected_weights',
        `the weights file has ${tensors.length} variable(s) at "${path}", which is no layer of the model config (its layers: ${known})`,
        path,
      );
    }
  }
  return out;
}
