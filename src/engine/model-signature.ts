import type * as tf from '@tensorflow/tfjs';
import type { ModelSignature } from '../domain/model.ts';

/** Reads the signature of a built tfjs model. */
export function modelSignature(model: tf.LayersModel): ModelSignature {
  return {
    inputs: model.inputs.map((t, i) => ({ name: model.inputNames[i]!, shape: t.shape, dtype: t.dtype })),
    outputs: model.outputs.map((t, i) => ({ name: model.outputNames[i]!, shape: t.shape, dtype: t.dtype })),
  };
}
