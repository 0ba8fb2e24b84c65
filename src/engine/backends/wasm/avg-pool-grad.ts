// AvgPoolGrad is memory-bound: one scatter pass in JS over the wasm heap. Like tfjs cpu/webgl
// (and unlike the forward op, which divides by the in-bounds count) it divides by the full
// window size, so gradients match the other backends exactly, including at 'same' borders.
import {
  backend_util,
  type AvgPoolGradAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { float32View, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

type Shape4 = [number, number, number, number];

/** Spreads each dy value evenly over the in-bounds inputs of its pooling window. */
export function avgPoolGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad } = args.attrs as unknown as AvgPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const dx = backend.makeOutput(input.shape, 'float32');
  const dyValues = float32View(backend, dy);
  const dxValues = float32View(backend, dx);
  dxValues.fill(0);

  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * info.strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + info.effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * info.strideWidth - info.padInfo.left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + info.effectiveFilterWidth);
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let r = rowFrom; r < rowTo; r++) {
          for (let col = colFrom; col < colTo; col++) {
            const base = ((b * inHeight + r) * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) dxValues[base + c] += dyValues[dyBase + c] * scale;
          }
        }
      }
    }
  }
  return dx;
}

/** Registry entry for the wasm AvgPoolGrad kernel. */
export const avgPoolGradConfig: KernelConfig = {
  kernelName: 'AvgPoolGrad',
  backendName: 'wasm',
  kernelFunc: avgPoolGrad as unknown as KernelFunc,
};
