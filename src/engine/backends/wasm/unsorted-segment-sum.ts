// Needed by the gradient of Gather (Embedding layers); a single scatter-add pass over the heap.
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { type KernelArgs, type WasmBackend } from './wasm-backend.ts';

/** Sums rows of x that share a segment id; ids outside [0, numSegments) are dropped, as on cpu. */
export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
  const idCount = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const values = backend.typedArrayFromHeap(x);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < idCount; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; k++) sums[to + k] += values[from + k];
  }
  return out;
}

/** Registry entry for the wasm UnsortedSegmentSum kernel. */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
