import * as tf from '@tensorflow/tfjs';
import { buildModel, validateModelSpec } from '../model/index.ts';
import { KerasFileError } from './keras-file-error.ts';
import { matchWeightsToModel } from './object-paths.ts';
import type { KerasModelFile, WeightMap, WeightTensor } from './types.ts';
import { refuseKeras3HardSigmoid } from './hard-sigmoid.ts';

export interface LoadKerasOptions {
  /** Seed for the (immediately overwritten) initial weights; fixed so loading is deterministic. */
  seed?: number;
  /** Parameter budget passed to Kiln's validator. */
  maxParams?: number;
  /** The model config for a weights-only file (`format: 'weights.h5'`); overrides the file's own. */
  modelConfig?: Record<string, unknown>;
}

const show = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

// tfjs lists a layer's variables in Keras' order for every layer Kiln builds: kernel, bias (Dense, Conv*);
// depthwise, pointwise, bias (SeparableConv2D); gamma, beta, moving_mean, moving_variance
// (BatchNormalization); gamma, beta (LayerNormalization); embeddings; kernel, recurrent_kernel, bias
// (LSTM, GRU — Keras 3 keeps them on the `cell`, which the object paths already flatten); forward then
// backward (Bidirectional). So the i-th stored variable goes to the i-th tfjs weight, with shapes checked.
function checkLayer(layer: tf.layers.Layer, stored: WeightTensor[]): void {
  const expected = layer.weights;
  const label = `layer "${layer.name}" (${layer.getClassName()})`;
  const wanted = expected.map((w) => `${w.originalName.split('/').pop()} ${show(w.shape)}`).join(', ');
  if (stored.length !== expected.length) {
    const found = stored.map((t) => `${t.name} ${show(t.shape)}`).join(', ') || 'none';
    const code =
      stored.length === 0 ? 'missing_weights' : expected.length === 0 ? 'unexpected_weights' : 'weight_count';
    throw new KerasFileError(
      code,
      `${label} needs ${expected.length} weight(s) (${wanted || 'none'}) but the file has ${stored.length} (${found})`,
      layer.name,
    );
  }
  expected.forEach((w, i) => {
    const t = stored[i] as WeightTensor;
    if (t.shape.length !== w.shape.length || t.shape.some((d, k) => d !== w.shape[k])) {
      throw new KerasFileError(
        'weight_shape',
        `${label}: weight "${t.name}" has shape ${show(t.shape)} but the layer's ${w.originalName.split('/').pop()} needs ${show(w.shape)}`,
        t.name,
      );
    }
  });
}

function setLayer(layer: tf.layers.Layer, stored: WeightTensor[]): void {
  if (stored.length === 0) return;
  const values = stored.map((t) => tf.tensor(t.data, t.shape, 'float32'));
  try {
    layer.setWeights(values);
  } finally {
    tf.dispose(values);
  }
}

/** Sets every layer's weights from the file, refusing missing, surplus or misshapen ones before writing any. */
export function assignWeights(model: tf.LayersModel, weights: WeightMap): void {
  const names = new Set(model.layers.map((l) => l.name));
  for (const [name, tensors] of weights) {
    if (!names.has(name) && tensors.length > 0) {
      throw new KerasFileError(
        'unexpected_weights',
        `the file has weights for layer "${name}", which the built model does not have`,
        name,
      );
    }
  }
  // Check every layer first so a refusal leaves no half-loaded model behind.
  const plan = model.layers.map((layer) => ({ layer, stored: weights.get(layer.name) ?? [] }));
  for (const { layer, stored } of plan) checkLayer(layer, stored);
  for (const { layer, stored } of plan) setLayer(layer, stored);
}

/** Builds the file's model with Kiln's model builder and sets the file's weights; refuses models Kiln cannot build. */
export function loadKerasModel(file: KerasModelFile, opts: LoadKerasOptions = {}): tf.LayersModel {
  const modelConfig = opts.modelConfig ?? file.modelConfig;
  if (!modelConfig)
    throw new KerasFileError(
      'missing_config',
      `a ${file.format} file has no model config; pass the model's Keras JSON as modelConfig`,
    );
  const keras3 = file.format === 'keras' || file.kerasVersion?.startsWith('3.') || file.weightKeys === 'object-path';
  if (keras3) refuseKeras3HardSigmoid(((modelConfig.config as { layers?: unknown })?.layers ?? []) as []);
  const weights = file.weightKeys === 'object-path' ? matchWeightsToModel(modelConfig, file.weights) : file.weights;
  const spec = { type: 'keras', config: modelConfig };
  const validation = validateModelSpec(spec, { maxParams: opts.maxParams });
  if (!validation.ok) {
    const issues = validation.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new KerasFileError(
      'unsupported_model',
      `Kiln cannot build this Keras model: ${issues}`,
      validation.errors[0]?.path,
    );
  }
  const model = buildModel(spec, { seed: opts.seed ?? 0, maxParams: opts.maxParams });
  try {
    assignWeights(model, weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
