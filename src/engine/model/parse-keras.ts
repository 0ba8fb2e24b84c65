import type { Issue } from '../../domain/errors.ts';
import {
  INPUT_SHAPE_KEYS,
  isObject,
  readInputDtype,
  readShape,
  type GraphInput,
  type GraphNode,
  type ParseResult,
  type Ref,
} from './graph.ts';
import { sequentialGraph, type SequentialEntry } from './parse-sequential.ts';
import { joinPath, layerLabel } from './spec-error.ts';

// Serialization bookkeeping Keras writes next to or inside a layer's config; none of it changes the model.
const KERAS_LAYER_NOISE = ['name', 'module', 'registered_name', 'build_config', 'shared_object_id'];

/** A Keras layer object {class_name, config} split into type and arguments; used for top-level and nested layers. */
export function kerasLayerEntry(
  layer: unknown,
  path: string,
  fallbackName: string,
): { entry?: SequentialEntry; issue?: Issue } {
  if (!isObject(layer) || typeof layer.class_name !== 'string' || !isObject(layer.config)) {
    return {
      issue: {
        path,
        message: `layer ${fallbackName}: must be a Keras layer object {"class_name": ..., "config": {...}}`,
      },
    };
  }
  const config = layer.config;
  const name = typeof config.name === 'string' ? config.name : typeof layer.name === 'string' ? layer.name : undefined;
  const rawArgs = Object.fromEntries(Object.entries(config).filter(([k]) => !KERAS_LAYER_NOISE.includes(k)));
  return {
    entry: {
      name,
      namePath: `${path}.config.name`,
      type: layer.class_name,
      typePath: `${path}.class_name`,
      rawArgs,
      argsPath: `${path}.config`,
      path,
    },
  };
}

/** A Keras tensor reference [layer_name, node_index, tensor_index] → the graph node name it denotes. */
function refName(history: unknown[], path: string, issues: Issue[]): Ref | undefined {
  const [layer, node, tensor] = history;
  if (typeof layer !== 'string' || typeof node !== 'number' || typeof tensor !== 'number') {
    issues.push({
      path,
      message: 'malformed Keras tensor reference, expected ["layer_name", node_index, tensor_index]',
    });
    return undefined;
  }
  if (tensor !== 0) {
    issues.push({
      path,
      message: `layer "${layer}": output ${tensor} is used, but Kiln supports single-output layers only`,
    });
    return undefined;
  }
  return { name: nodeName(layer, node), path };
}

/** Name of the node for a layer's n-th call; calls after the first are shared-layer applications. */
function nodeName(layer: string, node: number): string {
  return node === 0 ? layer : `${layer}@${node}`;
}

/** Collects tensor references from one inbound node, Keras 2 (list of [name, node, tensor, kwargs]) or Keras 3 ({args, kwargs}). */
function inboundRefs(node: unknown, path: string, issues: Issue[]): Ref[] {
  const out: Ref[] = [];
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      const ref = Array.isArray(item) ? refName(item, `${path}[${i}]`, issues) : undefined;
      if (!Array.isArray(item)) issues.push({ path: `${path}[${i}]`, message: 'malformed Keras 2 inbound node entry' });
      if (ref) out.push(ref);
    });
    return out;
  }
  if (!isObject(node)) {
    issues.push({ path, message: 'malformed inbound node' });
    return out;
  }
  const walk = (value: unknown, at: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
    else if (isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config)) {
      const history = value.config.keras_history;
      const ref = Array.isArray(history) ? refName(history, `${at}.config.keras_history`, issues) : undefined;
      if (ref) out.push(ref);
    }
  };
  walk(node.args, `${path}.args`);
  const kwargs = isObject(node.kwargs) ? node.kwargs : {};
  for (const [key, value] of Object.entries(kwargs)) {
    const before = out.length;
    walk(value, `${path}.kwargs.${key}`);
    if (out.length > before) {
      out.length = before;
      issues.push({ path: `${path}.kwargs.${key}`, message: `tensor keyword argument "${key}" is not supported` });
    }
  }
  return out;
}

/** Reads input_layers / output_layers: one reference, a list of them, or (Keras 3) a dict of them. */
function layerRefs(value: unknown, path: string, issues: Issue[]): Ref[] {
  if (Array.isArray(value) && typeof value[0] === 'string')
    return [refName(value, path, issues)].filter((r): r is Ref => !!r);
  const list = Array.isArray(value)
    ? value.map((v, i) => [v, `${path}[${i}]`] as const)
    : isObject(value)
      ? Object.entries(value).map(([k, v]) => [v, joinPath(path, k)] as const)
      : [];
  if (list.length === 0)
    issues.push({ path, message: 'must list the model inputs/outputs as ["layer_name", 0, 0] references' });
  return list.map(([v, p]) => (Array.isArray(v) ? refName(v, p, issues) : undefined)).filter((r): r is Ref => !!r);
}

function parseKerasFunctional(config: Record<string, unknown>, base: string): ParseResult {
  const issues: Issue[] = [];
  const layersPath = `${base}.layers`;
  if (!Array.isArray(config.layers)) return { issues: [{ path: layersPath, message: 'layers must be a list' }] };
  const inputs: GraphInput[] = [];
  const nodes: GraphNode[] = [];
  const seen = new Map<string, string>();
  config.layers.forEach((layer, i) => {
    const path = `${layersPath}[${i}]`;
    const { entry, issue } = kerasLayerEntry(layer, path, String(i));
    if (!entry) return void issues.push(issue as Issue);
    if (!entry.name)
      return void issues.push({ path: entry.namePath, message: `layer ${i} (${entry.type}): needs a name` });
    const name = entry.name;
    const label = layerLabel(name, entry.type);
    if (seen.has(name))
      return void issues.push({
        path: entry.namePath,
        message: `${label}: duplicate layer name (also used at ${seen.get(name)})`,
      });
    seen.set(name, path);
    if (entry.type === 'InputLayer') {
      const key = Object.keys(INPUT_SHAPE_KEYS).find((k) => k in entry.rawArgs);
      const shape = key ? readShape(entry.rawArgs[key], INPUT_SHAPE_KEYS[key]) : undefined;
      const dtype = readInputDtype(entry.rawArgs.dtype);
      if (!shape) issues.push({ path: entry.argsPath, message: `${label}: needs batch_shape / batch_input_shape` });
      if (!dtype)
        issues.push({ path: `${entry.argsPath}.dtype`, message: `${label}: dtype must be "float32" or "int32"` });
      if (shape && dtype) inputs.push({ name, shape, dtype, path });
      return;
    }
    const inbound = (layer as Record<string, unknown>).inbound_nodes;
    const inboundPath = `${path}.inbound_nodes`;
    if (!Array.isArray(inbound) || inbound.length === 0) {
      return void issues.push({
        path: inboundPath,
        message: `${label}: is not connected to anything (empty inbound_nodes)`,
      });
    }
    inbound.forEach((node, n) => {
      const nodePath = `${inboundPath}[${n}]`;
      nodes.push({
        ...entry,
        name: nodeName(name, n),
        inputs: inboundRefs(node, nodePath, issues),
        inputsPath: nodePath,
        shares: n > 0 ? { name, path: nodePath } : undefined,
      });
    });
  });
  const graphInputs = layerRefs(config.input_layers, `${base}.input_layers`, issues);
  const outputs = layerRefs(config.output_layers, `${base}.output_layers`, issues);
  // Keras lists every input in input_layers; an InputLayer missing there would be a malformed document.
  for (const ref of graphInputs) {
    if (!inputs.some((i) => i.name === ref.name))
      issues.push({ path: ref.path, message: `input "${ref.name}" is not an InputLayer of this model` });
  }
  if (issues.length > 0) return { issues };
  const name = typeof config.name === 'string' ? config.name : 'model';
  const ordered = graphInputs.map((r) => inputs.find((i) => i.name === r.name) as GraphInput);
  return { graph: { name, sequential: false, lenient: true, inputs: ordered, nodes, outputs }, issues };
}

function parseKerasSequential(config: Record<string, unknown> | unknown[], base: string): ParseResult {
  // Very old Keras wrote a Sequential config as the bare layer list.
  const layers = Array.isArray(config) ? config : config.layers;
  const layersPath = Array.isArray(config) ? base : `${base}.layers`;
  if (!Array.isArray(layers)) return { issues: [{ path: layersPath, message: 'layers must be a list' }] };
  const issues: Issue[] = [];
  const entries: SequentialEntry[] = [];
  layers.forEach((layer, i) => {
    const { entry, issue } = kerasLayerEntry(layer, `${layersPath}[${i}]`, String(i));
    if (entry) entries.push(entry);
    else issues.push(issue as Issue);
  });
  if (issues.length > 0) return { issues };
  const name = !Array.isArray(config) && typeof config.name === 'string' ? config.name : 'sequential';
  return sequentialGraph(name, entries, true, layersPath);
}

/** Parses `{type: "keras", config: <model.to_json() output, parsed or as a string>}` (Keras 2 and Keras 3). */
export function parseKeras(spec: Record<string, unknown>): ParseResult {
  let doc = spec.config;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return { issues: [{ path: 'model.config', message: 'config is a string but not valid JSON' }] };
    }
  }
  if (!isObject(doc) || typeof doc.class_name !== 'string') {
    return {
      issues: [
        {
          path: 'model.config',
          message: 'config must be the object Keras model.to_json() returns, with "class_name" and "config"',
        },
      ],
    };
  }
  const inner = doc.config;
  if (!isObject(inner) && !Array.isArray(inner))
    return { issues: [{ path: 'model.config.config', message: 'missing the model config' }] };
  if (doc.class_name === 'Sequential') return parseKerasSequential(inner, 'model.config.config');
  if ((doc.class_name === 'Functional' || doc.class_name === 'Model') && isObject(inner))
    return parseKerasFunctional(inner, 'model.config.config');
  return {
    issues: [
      {
        path: 'model.config.class_name',
        message: `unsupported Keras model class "${doc.class_name}" (Sequential, Functional and Model are supported)`,
      },
    ],
  };
}
