import * as tf from '@tensorflow/tfjs';
import { heldOutRows } from '../../domain/run-spec/splits.ts';

/** A dataset held as whole tensors, one per model input and output, sliced into batches by index. */
export interface TensorData {
  xs: tf.Tensor[];
  ys: tf.Tensor[];
  size: number;
}

/** Builds TensorData from JSON arrays given either positionally (one input) or by input/output name. */
export function tensorDataFromJson(x: unknown, y: unknown, inputNames: string[], outputNames: string[]): TensorData {
  const pick = (value: unknown, names: string[]): unknown[] =>
    Array.isArray(value) ? [value] : names.map((n) => (value as Record<string, unknown>)[n]);
  const xs = pick(x, inputNames).map((v) => tf.tensor(v as number[], undefined, 'float32'));
  const ys = pick(y, outputNames).map((v) => tf.tensor(v as number[], undefined, 'float32'));
  return { xs, ys, size: xs[0]!.shape[0]! };
}

/** Holds out the last rows as the test split (before validation is taken), as many as splitCounts says. */
export function splitTest(data: TensorData, fraction: number): { rest: TensorData; test?: TensorData } {
  const { train, validation } = splitValidation(data, fraction);
  return { rest: train, test: validation };
}

/**
 * Keras' validation_split: the last `n - floor(n * (1 - fraction))` samples, taken before any
 * shuffling (heldOutRows, shared with the api's check of the spec).
 */
export function splitValidation(data: TensorData, fraction: number): { train: TensorData; validation?: TensorData } {
  const valSize = heldOutRows(data.size, fraction);
  if (valSize === 0) return { train: data };
  const trainSize = data.size - valSize;
  const slice = (ts: tf.Tensor[], begin: number, size: number) => ts.map((t) => t.slice(begin, size));
  return {
    train: { xs: slice(data.xs, 0, trainSize), ys: slice(data.ys, 0, trainSize), size: trainSize },
    validation: { xs: slice(data.xs, trainSize, valSize), ys: slice(data.ys, trainSize, valSize), size: valSize },
  };
}

/** The rows of every tensor at the given indices. */
export function gatherBatch(data: TensorData, indices: Int32Array): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const idx = tf.tensor1d(indices, 'int32');
  return { xs: data.xs.map((t) => tf.gather(t, idx)), ys: data.ys.map((t) => tf.gather(t, idx)) };
}

/** The sample order of one epoch (shared with the streaming pipeline, so both agree on every batch). */
export { epochOrder } from '../data/epoch-order.ts';

/** Frees every tensor a TensorData holds. */
export function disposeTensorData(data: TensorData | undefined): void {
  if (data) tf.dispose([...data.xs, ...data.ys]);
}
