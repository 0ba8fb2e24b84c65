// Filter gradient of Conv2D. NHWC with out channels a multiple of 8 goes to Kiln's SIMD kernel
// (filter-grad-simd.ts). Everything else: one XNNPACK matrix product per batch chunk,
// dW[(kh,kw,ci), co] = patches^T @ dy, with patches^T built by a JS im2col pass.
// Measured on the seed CNN against the alternatives for that product: one big XNNPACK convolution
// over transposed tensors (layer 1: 20 ms vs 16 ms; layer 2: 39 ms vs 36 ms) and dy^T @ patches,
// which packs the patches instead of dy (layer 1: 18 ms; layer 2: 75 ms).
import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { forEachBatchChunk } from './batch-chunks.ts';
import { filterGradSimd, simdFilterGradApplies } from './filter-grad-simd.ts';
import { im2colTransposed, patchGeometry } from './im2col.ts';
import { disposeIntermediates, float32View, runWasmKernel, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

type Shape4 = [number, number, number, number];

const NO_TRANSPOSE = { transposeA: false, transposeB: false };

/** Computes dL/dfilter of a 2-D convolution on the wasm backend. */
export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (simdFilterGradApplies(info)) return filterGradSimd(backend, x, dy, info);
  const channelsLast = info.dataFormat === 'channelsLast';
  const { batchSize, outChannels } = info;
  const patchRows = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.outHeight * info.outWidth;

  const xPlanes = runWasmKernel('Transpose', { x }, { perm: channelsLast ? [3, 0, 1, 2] : [1, 0, 2, 3] }, backend);
  // dy as a [N*OH*OW, co] matrix: free for NHWC, one transpose for NCHW.
  const dyNhwc = channelsLast ? dy : runWasmKernel('Transpose', { x: dy }, { perm: [0, 2, 3, 1] }, backend);
  const dyMatrix = { ...dyNhwc, shape: [batchSize * pixels, outChannels] };

  let total: TensorInfo | undefined;
  forEachBatchChunk(backend, dyMatrix, batchSize, pixels, patchRows * pixels, (first, count, dyRows) => {
    const patches = backend.makeOutput([1, patchRows, count * pixels], 'float32');
    im2colTransposed(
      float32View(backend, xPlanes),
      batchSize,
      first,
      patchGeometry(info, count),
      float32View(backend, patches),
    );
    const partial = runWasmKernel(
      'BatchMatMul',
      { a: patches, b: { ...dyRows, shape: [1, count * pixels, outChannels] } },
      NO_TRANSPOSE,
      backend,
    );
    disposeIntermediates(backend, patches);
    if (total === undefined) {
      total = partial;
      return;
    }
    const sum = runWasmKernel('Add', { a: total, b: partial }, {}, backend);
    disposeIntermediates(backend, total, partial);
    total = sum;
  });
  disposeIntermediates(backend, xPlanes, ...(channelsLast ? [] : [dyNhwc]));
  return { ...(total as TensorInfo), shape: filterShape };
}

/** Registry entry for the wasm Conv2DBackpropFilter kernel. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
