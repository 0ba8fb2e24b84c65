// Input gradient as dy @ W^T (XNNPACK) followed by a JS col2im scatter. Only dy's pixels are
// multiplied, so it wins over the convolution form when dx has many more pixels than dy
// (strides > 1, 'valid' padding on small maps).
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import { forEachBatchChunk } from './batch_chunks.ts';
import { col2imAdd } from './col2im.ts';
import { patchGeometry } from './im2col.ts';
import { disposeIntermediates, float32View, runWasmKernel, type WasmBackend } from './wasm_backend.ts';

const NO_TRANSPOSE = { transposeA: false, transposeB: false };

/** dx of an NHWC convolution computed as a matrix product plus col2im. */
export function inputGradByCol2im(
  backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, outChannels } = info;
  const patchLength = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.outHeight * info.outWidth;
  // W as [K, co] transposed to [co, K]: small, and packed by XNNPACK as the weights operand.
  const filterT = runWasmKernel('Transpose', { x: { ...filter, shape: [patchLength, outChannels] } }, { perm: [1, 0] }, backend);
  const dx = backend.makeOutput(info.inShape, 'float32');
  float32View(backend, dx).fill(0);

  const dyMatrix = { ...dy, shape: [batchSize * pixels, outChannels] };
  forEachBatchChunk(backend, dyMatrix, batchSize, pixels, patchLength * pixels, (first, count, dyRows) => {
    const cols = runWasmKernel('BatchMatMul', {
      a: { ...dyRows, shape: [1, count * pixels, outChannels] },
      b: { ...filterT, shape: [1, outChannels, patchLength] },
    }, NO_TRANSPOSE, backend);
    col2imAdd(float32View(backend, cols), first, patchGeometry(info, count), float32View(backend, dx));
    disposeIntermediates(backend, cols);
  });
  disposeIntermediates(backend, filterT);
  return dx;
}
