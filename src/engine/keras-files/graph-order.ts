import { KerasFileError } from './keras-file-error.ts';

// Keras numbers a layer's object path (layers/dense, layers/dense_1, ...) by its position in
// `model.layers`, and a Functional model orders its layers not as its config lists them but as
// keras/src/ops/function.py `map_graph` sorts them: a depth-first walk back from the outputs, then by
// decreasing depth, ties broken by the order the walk first met each layer. Keras' own files list the
// config in that same order; computing it here keeps the numbering right for any config, and lets the
// writer emit its layers in the order Keras will rebuild them.

type Json = Record<string, unknown>;
interface Ref {
  layer: string;
  node: number;
}
interface LayerNodes {
  name: string;
  isInput: boolean;
  nodes: Ref[][];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRef = (v: unknown): v is [string, number, number] =>
  Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number';

/** Tensor references in a structure of input_layers / output_layers, flattened as Keras' tree.flatten does (dict keys sorted). */
export function flattenRefs(value: unknown): Ref[] {
  if (isRef(value)) return [{ layer: value[0], node: value[1] }];
  if (Array.isArray(value)) return value.flatMap(flattenRefs);
  if (isObject(value))
    return Object.keys(value)
      .sort()
      .flatMap((k) => flattenRefs(value[k]));
  return [];
}

/** The tensors one inbound node consumes: Keras 2 `[[name, node, tensor, kwargs], ...]` or Keras 3 `{args, kwargs}` with `__keras_tensor__`s. */
export function nodeInputs(node: unknown): Ref[] {
  if (Array.isArray(node)) return node.filter(isRef).map((r) => ({ layer: r[0], node: r[1] }));
  const out: Ref[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (
      isObject(v) &&
      v.class_name === '__keras_tensor__' &&
      isObject(v.config) &&
      isRef(v.config.keras_history)
    ) {
      const [layer, index] = v.config.keras_history;
      out.push({ layer, node: index });
    } else if (isObject(v))
      Object.keys(v)
        .sort()
        .forEach((k) => walk(v[k]));
  };
  if (isObject(node)) {
    walk(node.args);
    walk(node.kwargs);
  }
  return out;
}

/** A layer's name as a Functional config records it (top-level `name`, else `config.name`). */
export function configLayerName(layer: Json): string | undefined {
  const config = isObject(layer.config) ? layer.config : {};
  return typeof layer.name === 'string' ? layer.name : typeof config.name === 'string' ? config.name : undefined;
}

function readLayers(config: Json): Map<string, LayerNodes> {
  const layers = Array.isArray(config.layers) ? config.layers : [];
  const out = new Map<string, LayerNodes>();
  for (const layer of layers) {
    const name = isObject(layer) ? configLayerName(layer) : undefined;
    if (!isObject(layer) || !name)
      throw new KerasFileError('invalid_config', 'the model config has a layer without a name');
    const inbound = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
    out.set(name, { name, isInput: layer.class_name === 'InputLayer', nodes: inbound.map(nodeInputs) });
  }
  return out;
}

/** Layer names of a Functional config in the order Keras 3 puts them in `model.layers` (unreachable layers left out). */
export function kerasLayerOrder(config: Json): string[] {
  const layers = readLayers(config);
  const finished = new Set<string>();
  const inProgress = new Set<string>();
  const walked: Ref[] = [];
  const firstSeen = new Map<string, number>();
  const key = (r: Ref) => `${r.node}:${r.layer}`;
  const parentsOf = (r: Ref): Ref[] => {
    const layer = layers.get(r.layer) as LayerNodes;
    return layer.isInput ? [] : (layer.nodes[r.node] ?? []);
  };
  const visit = (r: Ref): void => {
    const layer = layers.get(r.layer);
    if (!layer || (!layer.isInput && !layer.nodes[r.node])) {
      throw new KerasFileError(
        'invalid_config',
        `the model config refers to call ${r.node} of layer "${r.layer}", which it does not define`,
        r.layer,
      );
    }
    if (finished.has(key(r))) return;
    if (inProgress.has(key(r)))
      throw new KerasFileError('invalid_config', `the model config has a cycle through layer "${r.layer}"`, r.layer);
    if (!firstSeen.has(r.layer)) firstSeen.set(r.layer, firstSeen.size);
    inProgress.add(key(r));
    parentsOf(r).forEach(visit);
    inProgress.delete(key(r));
    finished.add(key(r));
    walked.push(r);
  };
  flattenRefs(config.output_layers).forEach(visit);

  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<string, number>();
  for (const r of [...walked].reverse()) {
    const depth = Math.max(nodeDepth.get(key(r)) ?? 0, layerDepth.get(r.layer) ?? 0);
    layerDepth.set(r.layer, depth);
    nodeDepth.set(key(r), depth);
    for (const p of parentsOf(r)) nodeDepth.set(key(p), Math.max(depth + 1, nodeDepth.get(key(p)) ?? 0));
  }
  // Inputs no output depends on still belong to the model, at depth 0.
  for (const r of flattenRefs(config.input_layers)) {
    if (!layerDepth.has(r.layer)) {
      layerDepth.set(r.layer, 0);
      firstSeen.set(r.layer, -1);
    }
  }
  return [...layerDepth.keys()].sort(
    (a, b) =>
      (layerDepth.get(b) as number) - (layerDepth.get(a) as number) ||
      (firstSeen.get(a) as number) - (firstSeen.get(b) as number),
  );
}
