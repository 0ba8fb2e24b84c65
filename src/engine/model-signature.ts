import type * as tf from '@tensorflow/tfjs';

/** A model's inputs and outputs by name, shape (batch dimension as null) and dtype, as serving reports them. */
export interface ModelSignature {
  inputs: Array<{ name: string; shape: (number | null)[]; dtype: string }>;
  outputs: Array<{ name: string; shape: (number | null)[]; dtype: string }>;
}

/** Reads the signature of a built tfjs model. */
export function modelSignature(model: tf.LayersModel): ModelSignature {
  return {
    inputs: model.inputs.map((t, i) => ({ name: model.inputNames[i]!, shape: t.shape, dtype: t.dtype })),
    outputs: model.outputs.map((t, i) => ({ name: model.outputNames[i]!, shape: t.shape, dtype: t.dtype })),
  };
}
