import * as tf from '@tensorflow/tfjs';
// Registers Kiln's custom layer classes so models built here can be saved and reloaded.
import './custom-layers.ts';
import { analyzeSpec, DEFAULT_MAX_PARAMS } from './analyze.ts';
import type { Args } from './args.ts';
import { createInitializer, type InitializerSpec } from './initializers.ts';
import type { CreateContext } from './layer-def.ts';
import { createRegularizer, type RegularizerSpec } from './regularizers.ts';
import { deriveSeed } from './seed.ts';
import { modelSpecError } from './spec-error.ts';
import type { Shape } from './types.ts';

export interface BuildOptions {
  /** Same seed → identical initial weights; each layer and weight gets its own seed derived from it. */
  seed?: number;
  maxParams?: number;
}

function createContext(name: string, args: Args, inputShapes: Shape[], seed: number | undefined): CreateContext {
  return {
    name,
    inputShapes,
    initializer: (arg) => {
      const spec = args[arg] as InitializerSpec | undefined;
      return spec ? createInitializer(spec, seed === undefined ? undefined : deriveSeed(seed, name, arg)) : undefined;
    },
    regularizer: (arg) => {
      const spec = args[arg] as RegularizerSpec | undefined;
      return spec ? createRegularizer(spec) : undefined;
    },
    child: (suffix) => {
      const inner = args.layer as { args: Args } | undefined;
      return createContext(`${name}_${suffix}`, inner?.args ?? {}, inputShapes, seed);
    },
  };
}

/** Validates the spec and builds the tfjs model; throws ModelSpecError with the issue list when invalid. */
export function buildModel(spec: unknown, opts: BuildOptions = {}): tf.LayersModel {
  const { issues, plan } = analyzeSpec(spec, opts.maxParams ?? DEFAULT_MAX_PARAMS);
  if (!plan) throw modelSpecError(issues);
  const tensors = new Map<string, tf.SymbolicTensor>();
  const inputs = plan.graph.inputs.map((i) => {
    const t = tf.input({ shape: i.shape, name: i.name, dtype: i.dtype });
    tensors.set(i.name, t);
    return t;
  });
  const layers = new Map<string, tf.layers.Layer>();
  for (const { node, layer, sharesWith, inputShapes } of plan.order) {
    const tfLayer = sharesWith
      ? (layers.get(sharesWith) as tf.layers.Layer)
      : layer.def.create(layer.args, createContext(node.name, layer.args, inputShapes, opts.seed));
    // Wrappers (Bidirectional) pass `trainable` on to their inner layers only through the setter.
    if (layer.args.trainable === false) tfLayer.trainable = false;
    layers.set(node.name, tfLayer);
    const args = node.inputs.map((r) => tensors.get(r.name) as tf.SymbolicTensor);
    tensors.set(node.name, tfLayer.apply(layer.def.arity === 'many' ? args : args[0]) as tf.SymbolicTensor);
  }
  const outputs = plan.graph.outputs.map((r) => tensors.get(r.name) as tf.SymbolicTensor);
  return tf.model({ inputs, outputs, name: plan.graph.name });
}
