import { tensorKey, type ExportGraph, type ExportLayer, type TensorRef } from './export-graph.ts';
import { kerasLayerConfig, type KerasStyle } from './layer-config.ts';
import { refuseHardSigmoidForKeras3 } from './hard-sigmoid.ts';

// The model JSON of an exported file, as Keras writes it for a Functional model: Keras 3's
// serialize_keras_object form (module / class_name / config / registered_name / build_config, inbound
// nodes as {args, kwargs} of __keras_tensor__s) for .keras, tf.keras 2's to_json form for legacy .h5.

type Json = Record<string, unknown>;

const MERGE_CLASSES = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot']);

function kerasTensor(graph: ExportGraph, [layer, node, index]: TensorRef): Json {
  const t = graph.tensors.get(tensorKey(layer, node));
  return {
    class_name: '__keras_tensor__',
    config: { shape: t?.shape ?? null, dtype: t?.dtype ?? 'float32', keras_history: [layer, node, index] },
  };
}

/** A Keras 3 inbound node: merge layers take their inputs as one list argument, others one tensor. */
function keras3Node(graph: ExportGraph, layer: ExportLayer, refs: TensorRef[]): Json {
  const tensors = refs.map((r) => kerasTensor(graph, r));
  const many = refs.length > 1 || MERGE_CLASSES.has(layer.tfjsClass);
  return { args: many ? [tensors] : tensors, kwargs: {} };
}

/** Keras records the input shape(s) a layer was built with; for a shared layer, its first call's. */
function buildConfig(graph: ExportGraph, layer: ExportLayer): Json | undefined {
  const first = layer.nodes[0];
  if (!first || first.length === 0) return undefined;
  const shapes = first.map(([l, n]) => graph.tensors.get(tensorKey(l, n))?.shape ?? null);
  return { input_shape: shapes.length === 1 && !MERGE_CLASSES.has(layer.tfjsClass) ? shapes[0] : shapes };
}

/** A single input or output is written as one reference, several as a list (what Keras 3 writes for Model(x, y)). */
function refsOut(refs: TensorRef[], style: KerasStyle): unknown {
  return style === 'keras3' && refs.length === 1 ? refs[0] : refs;
}

/** The Keras 3 `config.json` object of a Functional model (no compile_config: the file is for inference and retraining from scratch). */
export function keras3ModelConfig(graph: ExportGraph, kerasVersion: string): Json {
  refuseHardSigmoidForKeras3(graph.layers.map((layer) => ({ name: layer.name, config: layer.tfjsConfig })));
  const layers = graph.layers.map((layer) => {
    const { className, config } = kerasLayerConfig(layer.tfjsClass, layer.tfjsConfig, 'keras3', kerasVersion);
    const build = className === 'InputLayer' ? undefined : buildConfig(graph, layer);
    return {
      module: 'keras.layers',
      class_name: className,
      config,
      registered_name: null,
      ...(build ? { build_config: build } : {}),
      name: layer.name,
      inbound_nodes: layer.nodes.map((refs) => keras3Node(graph, layer, refs)),
    };
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: graph.name,
      trainable: true,
      layers,
      input_layers: refsOut(graph.inputs, 'keras3'),
      output_layers: refsOut(graph.outputs, 'keras3'),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

/** The tf.keras 2 `model_config` JSON of a Functional model, as a legacy .h5 file stores it. */
export function keras2ModelConfig(graph: ExportGraph, kerasVersion: string): Json {
  const layers = graph.layers.map((layer) => {
    const { className, config } = kerasLayerConfig(layer.tfjsClass, layer.tfjsConfig, 'keras2', kerasVersion);
    return {
      class_name: className,
      config,
      name: layer.name,
      inbound_nodes: layer.nodes.map((refs) => refs.map((r) => [...r, {}])),
    };
  });
  return {
    class_name: 'Functional',
    config: {
      name: graph.name,
      layers,
      input_layers: refsOut(graph.inputs, 'keras2'),
      output_layers: refsOut(graph.outputs, 'keras2'),
    },
    keras_version: kerasVersion,
    backend: 'tensorflow',
  };
}
