// im2col/col2im matrices grow with the batch; processing samples in chunks bounds the extra
// memory (and keeps the wasm heap from growing) at the cost of a dy slice per chunk.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { disposeIntermediates, runWasmKernel, type WasmBackend } from './wasm-backend.ts';

/** Upper bound on the floats of one chunk's patch matrix (32 MB). */
export const MAX_PATCH_FLOATS = 1 << 23;

/**
 * Calls `visit(first, count, dyRows)` for consecutive sample ranges whose patch matrices stay
 * under MAX_PATCH_FLOATS; `dyRows` is dy's rows for those samples as a [count*pixels, channels]
 * matrix (dy itself when one chunk covers the batch, else a slice freed after the visit).
 */
export function forEachBatchChunk(
  backend: WasmBackend,
  dyMatrix: TensorInfo,
  batchSize: number,
  pixels: number,
  floatsPerSample: number,
  visit: (first: number, count: number, dyRows: TensorInfo) => void,
): void {
  const [rows, channels] = dyMatrix.shape;
  const chunk = Math.max(1, Math.min(batchSize, Math.floor(MAX_PATCH_FLOATS / floatsPerSample)));
  for (let first = 0; first < batchSize; first += chunk) {
    const count = Math.min(chunk, batchSize - first);
    if (count === batchSize) {
      visit(first, count, { ...dyMatrix, shape: [rows, channels] });
      continue;
    }
    const slice = runWasmKernel(
      'Slice',
      { x: dyMatrix },
      { begin: [first * pixels, 0], size: [count * pixels, channels] },
      backend,
    );
    visit(first, count, slice);
    disposeIntermediates(backend, slice);
  }
}
