import * as tf from '@tensorflow/tfjs';
import type { ModelSignature } from '../domain/model.ts';
import type { BatchRequest } from './micro-batcher.ts';
import type { OutputRows } from './types.ts';

/** One row of zeros per input (free dims as 1), for the warm-up predict. */
export function zeros(signature: ModelSignature): BatchRequest {
  const rowShapes = signature.inputs.map((i) => i.shape.slice(1).map((d) => d ?? 1));
  return { count: 1, rowShapes, inputs: rowShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1))) };
}

/**
 * Runs one batch through the model and reads every output back, freeing all tensors it made. The same
 * on the api's event loop and in an inference thread.
 */
export async function runBatch(
  model: tf.LayersModel,
  signature: ModelSignature,
  batch: BatchRequest,
): Promise<OutputRows[]> {
  const outputs = tf.tidy(() => {
    const xs = batch.inputs.map((data, i) =>
      tf.tensor(data, [batch.count, ...batch.rowShapes[i]!], signature.inputs[i]!.dtype as tf.DataType),
    );
    const y = model.predict(xs.length === 1 ? xs[0]! : xs);
    return Array.isArray(y) ? y : [y];
  });
  try {
    const data = await Promise.all(outputs.map((t) => t.data()));
    return outputs.map((t, i) => ({
      name: signature.outputs[i]!.name,
      rowShape: t.shape.slice(1),
      data: data[i] instanceof Float32Array ? data[i] : Float32Array.from(data[i] as ArrayLike<number>),
    }));
  } finally {
    tf.dispose(outputs);
  }
}
