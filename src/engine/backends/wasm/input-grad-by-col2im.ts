// Input gradient as dy @ W^T (XNNPACK) followed by a col2im scatter-add: Kiln's SIMD kernel
// (simd/col2im.wat) when channels are a multiple of 4, else a JS loop. Only dy's pixels are
// multiplied, so it wins over the convolution form when dx has many more pixels than dy (strides >
// 1, 'valid' padding) and, with the SIMD scatter, on most stride-1 layers too.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import { forEachBatchChunk } from './batch-chunks.ts';
import { col2imAdd } from './col2im.ts';
import { patchGeometry, tapExtent } from './im2col.ts';
import { col2imKernel } from './simd/kernels.ts';
import { disposeIntermediates, float32View, heapOffset, runWasmKernel, type WasmBackend } from './wasm-backend.ts';

const NO_TRANSPOSE = { transposeA: false, transposeB: false };

/**
 * Whether the scatter runs as Kiln's SIMD kernel: four channels at a time, and every tap inside the
 * image ('valid' padding), so that a tap is one constant offset from its output position. (A padded
 * copy of dx, cropped afterwards, measured no faster than the JS loop for 'same' convolutions.)
 */
export function simdCol2imApplies(info: backend_util.Conv2DInfo): boolean {
  const reach = tapExtent(info);
  return (
    info.inChannels % 4 === 0 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    reach.height <= info.inHeight &&
    reach.width <= info.inWidth
  );
}

/** dx of an NHWC convolution computed as a matrix product plus col2im. */
export function inputGradByCol2im(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, outChannels } = info;
  const patchLength = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = info.outHeight * info.outWidth;
  // W as [K, co] transposed to [co, K]: small, and packed by XNNPACK as the weights operand.
  const filterT = runWasmKernel(
    'Transpose',
    { x: { ...filter, shape: [patchLength, outChannels] } },
    { perm: [1, 0] },
    backend,
  );
  const scatter = simdCol2imApplies(info) ? simdScatter(backend, info) : jsScatter(backend, info);

  const dyMatrix = { ...dy, shape: [batchSize * pixels, outChannels] };
  forEachBatchChunk(backend, dyMatrix, batchSize, pixels, patchLength * pixels, (first, count, dyRows) => {
    const cols = runWasmKernel(
      'BatchMatMul',
      {
        a: { ...dyRows, shape: [1, count * pixels, outChannels] },
        b: { ...filterT, shape: [1, outChannels, patchLength] },
      },
      NO_TRANSPOSE,
      backend,
    );
    scatter.add(cols, first, count);
    disposeIntermediates(backend, cols);
  });
  disposeIntermediates(backend, filterT);
  return scatter.finish();
}

interface Scatter {
  /** Adds the patch rows of samples [first, first + count) into the image. */
  add(cols: TensorInfo, first: number, count: number): void;
  /** The finished dx. */
  finish(): TensorInfo;
}

function jsScatter(backend: WasmBackend, info: backend_util.Conv2DInfo): Scatter {
  const dx = backend.makeOutput(info.inShape, 'float32');
  float32View(backend, dx).fill(0);
  return {
    add: (cols, first, count) =>
      col2imAdd(float32View(backend, cols), first, patchGeometry(info, count), float32View(backend, dx)),
    finish: () => dx,
  };
}

/** The SIMD scatter: straight into dx, whose every tap is in bounds (see simdCol2imApplies). */
function simdScatter(backend: WasmBackend, info: backend_util.Conv2DInfo): Scatter {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const dx = backend.makeOutput(info.inShape, 'float32');
  const offsets = backend.makeOutput([filterHeight * filterWidth], 'int32');
  float32View(backend, dx).fill(0);
  const taps = backend.typedArrayFromHeap(offsets) as Int32Array;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      taps[kh * filterWidth + kw] = (kh * info.dilationHeight * inWidth + kw * info.dilationWidth) * inChannels * 4;
    }
  }
  const colStep = info.strideWidth * inChannels * 4;
  const rowStep = info.strideHeight * inWidth * inChannels * 4;
  const sampleBytes = inHeight * inWidth * inChannels * 4;
  return {
    add(cols, first, count) {
      if (count * outHeight * outWidth === 0) return;
      col2imKernel(backend).add(
        heapOffset(backend, cols),
        heapOffset(backend, dx) + first * sampleBytes,
        heapOffset(backend, offsets),
        filterHeight * filterWidth,
        inChannels,
        count,
        outHeight,
        outWidth,
        colStep,
        rowStep - outWidth * colStep,
        sampleBytes - outHeight * rowStep,
      );
    },
    finish() {
      disposeIntermediates(backend, offsets);
      return dx;
    },
  };
}
