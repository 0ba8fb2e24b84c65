// Moving tensors and weights between threads through shared memory. Each replica has its own wasm
// heap, so nothing can be shared by reference; instead every buffer of the exchange is a
// SharedArrayBuffer set up once and rewritten in place every step. Allocating fresh buffers per
// step (~2.5 MB for the seed CNN) made V8 run a full garbage collection every ~6 steps on the
// training thread, each a 5–10 ms pause on the step's critical path.
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from '../../backends/wasm/wasm-backend.ts';
import type { SharedSlot } from './protocol.ts';

export type HostValues = Float32Array | Int32Array;

/** How many values a tensor of `shape` holds. */
export const elementsOf = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

/** How many values a list of weights holds in all (the length of their flat copy). */
export const valuesIn = (weights: { shape: tf.Shape }[]) => weights.reduce((n, w) => n + elementsOf(w.shape), 0);

/** A shared buffer for `elements` values (at least one, so a model without state still gets a slot). */
export function allocateSlot(dtype: SharedSlot['dtype'], elements: number): SharedSlot {
  return { buffer: new SharedArrayBuffer(Math.max(1, elements) * 4), dtype };
}

/** How many values a slot holds. */
function slotCapacity(slot: SharedSlot): number {
  return slot.buffer.byteLength / 4;
}

/** The first `elements` values of a slot, as a typed array over the shared memory (no copy). */
export function slotView(slot: SharedSlot, elements = slotCapacity(slot)): HostValues {
  return slot.dtype === 'float32'
    ? new Float32Array(slot.buffer, 0, elements)
    : new Int32Array(slot.buffer, 0, elements);
}

/** The slot itself while it holds `elements` values, else a new one (the caller sends it to the other side). */
export function slotFor(slot: SharedSlot | undefined, dtype: SharedSlot['dtype'], elements: number): SharedSlot {
  return slot && slot.dtype === dtype && slotCapacity(slot) >= elements ? slot : allocateSlot(dtype, elements);
}

/**
 * A tensor's values without copying them where the backend allows: on wasm a view of its heap,
 * valid only until the next tfjs operation (which may grow the heap), so read it at once.
 */
export function valuesOf(tensor: tf.Tensor): HostValues {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32')
    throw new Error(`replicas take float32 or int32 tensors, got ${tensor.dtype}`);
  if (tf.getBackend() === 'wasm')
    return (tf.backend() as unknown as WasmBackend).typedArrayFromHeap(tensor) as HostValues;
  return tensor.dataSync() as HostValues;
}

/**
 * A tensor of `values` (typically a view of a slot). wasm copies them into its heap; the cpu backend
 * keeps the very array it is given, and a slot is rewritten next step, so it gets a copy: no tensor
 * may alias a slot, even one the step happens to consume before the slot changes.
 */
export function tensorFrom(values: HostValues, shape: number[], dtype: SharedSlot['dtype']): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape, dtype);
}

/** Copies rows [start, start + rows) of `tensor` to the front of `target`. */
export function copyRows(tensor: tf.Tensor, start: number, rows: number, target: HostValues): void {
  const rowSize = elementsOf(tensor.shape.slice(1));
  target.set(valuesOf(tensor).subarray(start * rowSize, (start + rows) * rowSize));
}

/** Copies every variable's values into `target`, one block after another in order. */
export function copyFlat(variables: { shape: tf.Shape; read(): tf.Tensor }[], target: Float32Array): void {
  let offset = 0;
  for (const v of variables) {
    const values = valuesOf(v.read());
    target.set(values, offset);
    offset += values.length;
  }
  if (offset !== target.length) throw new Error(`expected ${target.length} weight values, read ${offset}`);
}

/** Every variable's values, concatenated in order (a fresh copy). */
export function readFlat(variables: { shape: tf.Shape; read(): tf.Tensor }[]): Float32Array {
  const flat = new Float32Array(valuesIn(variables));
  copyFlat(variables, flat);
  return flat;
}

/**
 * Overwrites every variable with its block of `flat` (the inverse of copyFlat). Assigns to the
 * underlying tf.Variable: LayerVariable.write would apply weight constraints, which the training
 * thread's optimizer step does not, and the copies must stay identical.
 */
export function writeFlat(variables: { shape: tf.Shape; read(): tf.Tensor }[], flat: Float32Array): void {
  let offset = 0;
  tf.tidy(() => {
    for (const v of variables) {
      const size = elementsOf(v.shape);
      (v.read() as tf.Variable).assign(
        tensorFrom(flat.subarray(offset, offset + size), v.shape as number[], 'float32'),
      );
      offset += size;
    }
  });
  if (offset !== flat.length) throw new Error(`expected ${offset} weight values, got ${flat.length}`);
}
