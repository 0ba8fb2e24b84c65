import type { Issue } from '../../domain/errors.ts';
import {
  INPUT_SHAPE_KEYS,
  readInputDtype,
  readShape,
  type GraphInput,
  type GraphNode,
  type LayerEntry,
  type ModelGraph,
  type ParseResult,
} from './graph.ts';
import { findLayerDef } from './layers/index.ts';
import { NameAllocator } from './naming.ts';
import { joinPath, layerLabel } from './spec-error.ts';
import type { Shape } from './types.ts';

/** A sequential layer entry before names are assigned. */
export interface SequentialEntry extends Omit<LayerEntry, 'name'> {
  name?: string;
  namePath: string;
}

// InputLayer fields with no meaning for Kiln; Keras writes them with their defaults.
const INPUT_LAYER_NOISE = new Set([
  'sparse',
  'ragged',
  'optional',
  'batchSize',
  'batch_size',
  'inputTensor',
  'input_tensor',
]);

interface TakenShape {
  shape?: Shape;
  key?: string;
}

/** Removes input-shape keys from a layer's args; reports malformed ones. */
function takeInputShape(entry: SequentialEntry, label: string, issues: Issue[]): TakenShape {
  const taken: TakenShape = {};
  for (const [key, withBatch] of Object.entries(INPUT_SHAPE_KEYS)) {
    if (!(key in entry.rawArgs)) continue;
    const value = entry.rawArgs[key];
    delete entry.rawArgs[key];
    if (key === 'shape' && entry.type !== 'InputLayer') {
      issues.push({
        path: joinPath(entry.argsPath, key),
        message: `${label}: unknown argument "shape" (did you mean inputShape?)`,
      });
      continue;
    }
    const shape = readShape(value, withBatch);
    if (!shape) {
      issues.push({
        path: joinPath(entry.argsPath, key),
        message: `${label}: ${key} must be a list of positive integers (null for any size)${withBatch ? ', starting with the batch size' : ''}`,
      });
    } else if (!taken.shape) {
      Object.assign(taken, { shape, key });
    }
  }
  return taken;
}

/** Keras names a sequential model's implicit input `<first layer>_input`; a layer may already use that name. */
function freeName(base: string, layers: Array<{ name: string }>): string {
  let name = base;
  for (let n = 1; layers.some((l) => l.name === name); n++) name = `${base}_${n}`;
  return name;
}

/** Builds the graph of a sequential model (native or Keras) from its layer list. */
export function sequentialGraph(
  name: string,
  entries: SequentialEntry[],
  lenient: boolean,
  layersPath: string,
): ParseResult {
  const issues: Issue[] = [];
  if (entries.length === 0)
    return { issues: [{ path: layersPath, message: 'a sequential model needs at least one layer' }] };
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.name === undefined) return;
    if (seen.has(e.name))
      issues.push({
        path: e.namePath,
        message: `${layerLabel(e.name, e.type)}: duplicate layer name (also used by ${layersPath}[${seen.get(e.name)}])`,
      });
    else seen.set(e.name, i);
  });
  const names = new NameAllocator(seen.keys());
  // Default names follow the canonical class, so an alias like MaxPool2D still yields max_pooling2d.
  const named = entries.map((e) => ({
    ...e,
    name: e.name ?? names.next(findLayerDef(e.type)?.type ?? e.type),
    rawArgs: { ...e.rawArgs },
  }));

  let input: GraphInput | undefined;
  const nodes: GraphNode[] = [];
  named.forEach((entry, i) => {
    const label = layerLabel(entry.name, entry.type);
    const taken = takeInputShape(entry, label, issues);
    if (entry.type === 'InputLayer') {
      if (i !== 0) {
        issues.push({ path: entry.path, message: `${label}: an InputLayer may only be the first layer` });
        return;
      }
      const dtype = readInputDtype(entry.rawArgs.dtype);
      if (!dtype)
        issues.push({
          path: joinPath(entry.argsPath, 'dtype'),
          message: `${label}: dtype must be "float32" or "int32"`,
        });
      for (const key of Object.keys(entry.rawArgs)) {
        const value = entry.rawArgs[key];
        const noise = INPUT_LAYER_NOISE.has(key) || (lenient && (value === null || value === false));
        if (key !== 'dtype' && !noise)
          issues.push({ path: joinPath(entry.argsPath, key), message: `${label}: unknown argument "${key}"` });
      }
      if (!taken.shape)
        issues.push({ path: entry.argsPath, message: `${label}: needs a shape, e.g. "shape": [28, 28, 1]` });
      else input = { name: entry.name, shape: taken.shape, dtype: dtype ?? 'float32', path: entry.path };
      return;
    }
    const firstLayer = nodes.length === 0;
    if (taken.shape && !firstLayer) {
      issues.push({
        path: joinPath(entry.argsPath, taken.key as string),
        message: `${label}: ${taken.key} is only allowed on the first layer`,
      });
    } else if (taken.shape && input && JSON.stringify(input.shape) !== JSON.stringify(taken.shape)) {
      issues.push({
        path: joinPath(entry.argsPath, taken.key as string),
        message: `${label}: ${taken.key} disagrees with the InputLayer shape`,
      });
    } else if (firstLayer && !input) {
      // Keras 2 lets an Embedding infer its input from input_length.
      const inputLength = entry.rawArgs.inputLength ?? entry.rawArgs.input_length;
      const shape =
        taken.shape ?? (entry.type === 'Embedding' && typeof inputLength === 'number' ? [inputLength] : undefined);
      if (!shape)
        issues.push({
          path: entry.path,
          message: `${label}: the first layer needs an input shape, e.g. "inputShape": [28, 28, 1]`,
        });
      else
        input = {
          name: freeName(`${entry.name}_input`, named),
          shape,
          dtype: entry.type === 'Embedding' ? 'int32' : 'float32',
          path: entry.path,
        };
    }
    const previous = nodes.length > 0 ? nodes[nodes.length - 1].name : input?.name;
    nodes.push({ ...entry, inputs: previous ? [{ name: previous, path: entry.path }] : [], inputsPath: entry.path });
  });
  if (nodes.length === 0)
    issues.push({ path: layersPath, message: 'a sequential model needs at least one layer besides its InputLayer' });
  if (issues.length > 0 || !input) return { issues };
  const last = nodes[nodes.length - 1];
  const graph: ModelGraph = {
    name,
    sequential: true,
    lenient,
    inputs: [input],
    nodes,
    outputs: [{ name: last.name, path: last.path }],
  };
  return { graph, issues };
}
