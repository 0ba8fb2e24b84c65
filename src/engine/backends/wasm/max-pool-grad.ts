// MaxPoolGrad is memory-bound: one pass over each pooling window straight over the wasm heap
// (argmax per channel, then scatter dy) beats the built-in C++ kernel, which rescans every window
// once per input pixel. 2x2 stride-2 windows with channels a multiple of 4 go to Kiln's SIMD kernel
// (simd/max-pool-grad.wat), four channels at a time; the rest runs the JS loops below.
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { maxPoolGradKernel } from './simd/kernels.ts';
import { float32View, heapOffset, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

type Shape4 = [number, number, number, number];

/** Routes each dy value to the first maximal input of its window (row-major), as tfjs cpu does. */
export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const dx = backend.makeOutput(input.shape, 'float32');
  const x = float32View(backend, input);
  const dyValues = float32View(backend, dy);
  const dxValues = float32View(backend, dx);

  const fullWindows2x2 =
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    outHeight * 2 <= inHeight &&
    outWidth * 2 <= inWidth;
  if (fullWindows2x2 && channels % 4 === 0 && batchSize * outHeight * outWidth > 0) {
    // The kernel writes every value inside a window; only a last odd row or column needs zeroing.
    if (outHeight * 2 < inHeight || outWidth * 2 < inWidth) dxValues.fill(0);
    maxPoolGradKernel(backend).route2x2(
      heapOffset(backend, input),
      heapOffset(backend, dy),
      heapOffset(backend, dx),
      batchSize,
      inHeight,
      inWidth,
      channels,
      outHeight,
      outWidth,
    );
    return dx;
  }
  dxValues.fill(0);
  if (fullWindows2x2) {
    routeMax2x2(x, dyValues, dxValues, batchSize, inHeight, inWidth, channels, outHeight, outWidth);
    return dx;
  }

  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * info.strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + info.effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * info.strideWidth - info.padInfo.left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + info.effectiveFilterWidth);
        const windowBase = ((b * inHeight + rowFrom) * inWidth + colFrom) * channels;
        const windowRows = rowTo - rowFrom;
        const windowCols = colTo - colFrom;
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        // Channel-outer keeps the running max in registers; the window is only a few cache lines.
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let bestAt = -1;
          for (let r = 0; r < windowRows; r++) {
            let at = windowBase + r * rowStride + c;
            for (let k = 0; k < windowCols; k++, at += channels) {
              const v = x[at];
              if (v > best) {
                best = v;
                bestAt = at;
              }
            }
          }
          if (bestAt >= 0) dxValues[bestAt] += dyValues[dyBase + c];
        }
      }
    }
  }
  return dx;
}

/**
 * The 2x2 stride-2 pool of almost every CNN: windows never overlap and lie inside the image,
 * so the comparisons unroll and each dy value is stored, not accumulated.
 */
function routeMax2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  batchSize: number,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): void {
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const topLeft = ((b * inHeight + oh * 2) * inWidth + ow * 2) * channels;
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          const i0 = topLeft + c;
          const i1 = i0 + channels;
          const i2 = i0 + rowStride;
          const i3 = i2 + channels;
          // Strict '>' in row-major order: the first maximum wins, as on cpu. NaN never wins.
          let best = x[i0];
          let at = best > -Infinity ? i0 : -1;
          if (x[i1] > best || (at < 0 && x[i1] > -Infinity)) {
            best = x[i1];
            at = i1;
          }
          if (x[i2] > best || (at < 0 && x[i2] > -Infinity)) {
            best = x[i2];
            at = i2;
          }
          if (x[i3] > best || (at < 0 && x[i3] > -Infinity)) {
            at = i3;
          }
          if (at >= 0) dx[at] = dy[dyBase + c];
        }
      }
    }
  }
}

/** Registry entry for the wasm MaxPoolGrad kernel. */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
