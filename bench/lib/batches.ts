// Slices MNIST into fixed training batches (no shuffling: runs must be comparable).
import * as tf from '@tensorflow/tfjs';
import type { MnistSet } from './mnist.ts';

/** Tensors for samples [start, start+size) on the active backend. */
export function batchAt(data: MnistSet, start: number, size: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = Math.min(size, data.count - start);
  return {
    x: tf.tensor4d(data.images.subarray(start * 784, (start + n) * 784), [n, 28, 28, 1]),
    y: tf.tensor2d(data.oneHot.subarray(start * 10, (start + n) * 10), [n, 10]),
  };
}

/** Trains one batch and returns its loss. */
export async function trainBatch(model: tf.LayersModel, data: MnistSet, start: number, size: number): Promise<number> {
  const { x, y } = batchAt(data, start, size);
  const loss = await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
  return Array.isArray(loss) ? loss[0] : loss;
}
