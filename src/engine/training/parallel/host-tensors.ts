// Moving tensors and weights across threads as typed arrays: each replica has its own wasm heap, so
// nothing can be shared by reference.
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from './protocol.ts';

/** A fresh copy of rows [start, start + rows) of a tensor, ready to transfer to another thread. */
export function hostRows(tensor: tf.Tensor, values: Float32Array | Int32Array, start: number, rows: number): HostTensor {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new Error(`replicas take float32 or int32 tensors, got ${tensor.dtype}`);
  const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: values.slice(start * rowSize, (start + rows) * rowSize), shape: [rows, ...tensor.shape.slice(1)], dtype: tensor.dtype };
}

/** A tensor's values as host data (a copy, ready to transfer). */
export function toHost(tensor: tf.Tensor): HostTensor {
  return hostRows(tensor, tensor.dataSync() as Float32Array | Int32Array, 0, tensor.shape[0] ?? 1);
}

export function fromHost(host: HostTensor): tf.Tensor {
  return tf.tensor(host.data, host.shape, host.dtype);
}

/** Every variable's values, concatenated in order. */
export function readFlat(variables: { read(): tf.Tensor }[]): Float32Array {
  const values = variables.map((v) => v.read().dataSync() as Float32Array);
  const flat = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of values) {
    flat.set(v, offset);
    offset += v.length;
  }
  return flat;
}

/**
 * Overwrites every variable with its block of `flat` (the inverse of readFlat). Assigns to the
 * underlying tf.Variable: LayerVariable.write would apply weight constraints, which the training
 * thread's optimizer step does not, and the copies must stay identical.
 */
export function writeFlat(variables: { shape: tf.Shape; read(): tf.Tensor }[], flat: Float32Array): void {
  let offset = 0;
  tf.tidy(() => {
    for (const v of variables) {
      const size = v.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      (v.read() as tf.Variable).assign(tf.tensor(flat.subarray(offset, offset + size), v.shape as number[], 'float32'));
      offset += size;
    }
  });
  if (offset !== flat.length) throw new Error(`expected ${offset} weight values, got ${flat.length}`);
}

/** Buffers of host tensors, for postMessage's transfer list. */
export function transfers(...groups: (HostTensor[] | Float32Array)[]): ArrayBuffer[] {
  return groups.flatMap((g) => (Array.isArray(g) ? g.map((t) => t.data.buffer as ArrayBuffer) : [g.buffer as ArrayBuffer]));
}
