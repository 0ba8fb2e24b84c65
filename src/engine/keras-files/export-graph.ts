import * as tf from '@tensorflow/tfjs';
import { kerasLayerOrder } from './graph-order.ts';
import { KerasFileError } from './keras-file-error.ts';
import { insertPreprocessing, type ExportPreprocessing } from './preprocessing-layers.ts';

// What both writers need from a tfjs model: its layers in the order Keras will rebuild them, each
// layer's calls (inbound references), the shape and dtype of every tensor, and the weight values.

type Json = Record<string, unknown>;
export type TensorRef = [layer: string, node: number, tensor: number];

export interface ExportLayer {
  name: string;
  /** The tfjs class name (`Conv2D`, `KilnResetAfterGRU`, ...) and its serialized config. */
  tfjsClass: string;
  tfjsConfig: Json;
  /** One entry per call of the layer: the tensors it consumed. */
  nodes: TensorRef[][];
  /** tfjs weight names (`dense/kernel`) and values, in tfjs' (= Keras') order. */
  weights: Array<{ name: string; shape: number[]; data: Float32Array }>;
}

export interface ExportGraph {
  name: string;
  layers: ExportLayer[];
  inputs: TensorRef[];
  outputs: TensorRef[];
  /** Shape (batch axis first, null) and dtype of each layer call's output, keyed `layer#node`. */
  tensors: Map<string, { shape: (number | null)[]; dtype: string }>;
}

export const tensorKey = (layer: string, node: number) => `${layer}#${node}`;

function readRefs(node: unknown): TensorRef[] {
  return (Array.isArray(node) ? node : []).map((r) => [String(r[0]), Number(r[1]), Number(r[2])] as TensorRef);
}

function weightsOf(layer: tf.layers.Layer): ExportLayer['weights'] {
  // tfjs makes variable names unique per process (`dense/kernel_3` when a `dense` was built before);
  // originalName is the name the layer gave it, as Keras would (`dense/kernel`).
  const seen = new Set<string>();
  return layer.weights.map((w, i) => {
    // read() hands out the variable's own tensor (getWeights does the same): copy it, never dispose it.
    const value = w.read();
    const name = seen.has(w.originalName) ? `${w.originalName}_${i}` : w.originalName;
    seen.add(name);
    return { name, shape: [...value.shape], data: Float32Array.from(value.dataSync()) };
  });
}

function collectTensors(model: tf.LayersModel, layers: ExportLayer[]): ExportGraph['tensors'] {
  const tensors: ExportGraph['tensors'] = new Map();
  for (const { name } of layers) {
    const layer = model.getLayer(name);
    const calls = Math.max(layer.inboundNodes.length, 1);
    for (let i = 0; i < calls; i++) {
      const out = layer.getOutputAt(i) as tf.SymbolicTensor | tf.SymbolicTensor[];
      if (Array.isArray(out))
        throw new KerasFileError(
          'unsupported_model',
          `layer "${name}" has several outputs, which Keras files from Kiln do not support`,
          name,
        );
      tensors.set(tensorKey(name, i), { shape: [...out.shape], dtype: out.dtype });
    }
  }
  return tensors;
}

/** Arguments tfjs 4.22 leaves out of a layer's getConfig(), read back from the layer object. */
function missingArgs(layer: tf.layers.Layer): Json {
  // SeparableConv2D.getConfig() drops depthMultiplier, so a file would silently get Keras' default of 1.
  if (layer.getClassName() === 'SeparableConv2D')
    return { depth_multiplier: (layer as unknown as { depthMultiplier: number }).depthMultiplier };
  return {};
}

/** Reads a tfjs model into an ExportGraph, with optional preprocessing layers in front of its inputs. */
export function exportGraph(given: tf.LayersModel, preprocessing?: ExportPreprocessing): ExportGraph {
  // A tf.sequential serializes without inbound nodes; the same layers as a functional model do not.
  const model =
    given.getClassName() === 'Sequential'
      ? tf.model({ inputs: given.inputs, outputs: given.outputs, name: given.name })
      : given;
  const json = model.toJSON(null, false) as unknown as { config: Json };
  const config = json.config;
  const layers: ExportLayer[] = (config.layers as Json[]).map((l) => {
    const name = String(l.name);
    return {
      name,
      tfjsClass: String(l.class_name),
      tfjsConfig: { ...(l.config as Json), ...missingArgs(model.getLayer(name)) },
      nodes: (l.inbound_nodes as unknown[]).map(readRefs),
      weights: weightsOf(model.getLayer(name)),
    };
  });
  const graph: ExportGraph = {
    name: String(config.name ?? model.name),
    layers,
    inputs: readRefs(config.input_layers),
    outputs: readRefs(config.output_layers),
    tensors: collectTensors(model, layers),
  };
  if (preprocessing) insertPreprocessing(graph, preprocessing);
  // Emit the layers in the order Keras' map_graph gives them, so config order = object-path numbering.
  const order = kerasLayerOrder({
    layers: graph.layers.map((l) => ({ name: l.name, class_name: l.tfjsClass, inbound_nodes: l.nodes })),
    input_layers: graph.inputs,
    output_layers: graph.outputs,
  });
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  graph.layers = order.map((name) => byName.get(name) as ExportLayer);
  return graph;
}
