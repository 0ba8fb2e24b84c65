import * as tf from '@tensorflow/tfjs';
import { tensorFrom } from './host-tensors.ts';

/** One replica's gradients for a step: as tensors (the training thread's own) or as a flat host array. */
export type ReplicaGradients =
  { rows: number; tensors: tf.NamedTensorMap } | { rows: number; flat: Float32Array; present: boolean[] };

/**
 * The full batch's gradient from per-shard gradients. Each shard's loss is a mean over its rows, so
 * the batch mean's gradient is the sum of shard gradients weighted by rows / batch rows. Summed in
 * replica order, so the result does not depend on which thread answered first. A variable no shard's
 * loss reached stays out of the map, as it would with one replica (the optimizer then skips it).
 * Call inside a tidy.
 */
export function averageGradients(trainable: tf.Variable[], replicas: ReplicaGradients[]): tf.NamedTensorMap {
  const batchRows = replicas.reduce((n, r) => n + r.rows, 0);
  const averaged: tf.NamedTensorMap = {};
  let offset = 0;
  trainable.forEach((v, j) => {
    const parts: tf.Tensor[] = [];
    for (const r of replicas) {
      const grad =
        'tensors' in r
          ? r.tensors[v.name]
          : r.present[j]
            ? tensorFrom(r.flat.subarray(offset, offset + v.size), v.shape, 'float32')
            : undefined;
      if (grad) parts.push(r.rows === batchRows ? grad : tf.mul(grad, r.rows / batchRows));
    }
    offset += v.size;
    if (parts.length > 0) averaged[v.name] = parts.length === 1 ? parts[0]! : tf.addN(parts);
  });
  return averaged;
}

/**
 * Non-trainable weights after a step (BatchNormalization's moving statistics, updated by each
 * replica from its own shard), merged by the same row weighting. For moving means this is exactly
 * the single-replica update; moving variances miss the between-shard term. Values no replica changed
 * (frozen layers) are kept bit for bit. Returns undefined when nothing changed.
 */
export function averageState(
  before: Float32Array,
  replicas: { rows: number; state: Float32Array }[],
): Float32Array | undefined {
  const batchRows = replicas.reduce((n, r) => n + r.rows, 0);
  let merged: Float32Array | undefined;
  for (let i = 0; i < before.length; i++) {
    if (replicas.every((r) => r.state[i] === before[i])) continue;
    merged ??= before.slice();
    let sum = 0;
    for (const r of replicas) sum += (r.rows / batchRows) * r.state[i]!;
    merged[i] = sum;
  }
  return merged;
}
