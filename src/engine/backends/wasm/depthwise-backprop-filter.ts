// Depthwise convolutions do ~kh*kw multiply-adds per loaded value, so their gradients are
// memory-bound: a tight JS loop over the wasm heap is as fast as any op composition would be.
import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { float32View, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

type Shape4 = [number, number, number, number];

/** dW[i,j,c,m] = sum over batch and output pixels of x at the tap (i,j) times dy[c*M+m]. */
export function depthwiseConv2dNativeBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } =
    info;
  const multiplier = outChannels / inChannels;
  // float64 accumulation: each weight sums batch*outHeight*outWidth products.
  const acc = new Float64Array(filterHeight * filterWidth * outChannels);
  const dW = backend.makeOutput(filterShape, 'float32');
  const xValues = float32View(backend, x);
  const dyValues = float32View(backend, dy);

  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let i = 0; i < filterHeight; i++) {
          const r = oh * info.strideHeight + i * info.dilationHeight - info.padInfo.top;
          if (r < 0 || r >= inHeight) continue;
          for (let j = 0; j < filterWidth; j++) {
            const col = ow * info.strideWidth + j * info.dilationWidth - info.padInfo.left;
            if (col < 0 || col >= inWidth) continue;
            const xBase = ((b * inHeight + r) * inWidth + col) * inChannels;
            const wBase = (i * filterWidth + j) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < inChannels; c++) acc[wBase + c] += xValues[xBase + c] * dyValues[dyBase + c];
              continue;
            }
            for (let c = 0; c < inChannels; c++) {
              const xv = xValues[xBase + c];
              for (let m = 0; m < multiplier; m++) {
                const o = c * multiplier + m;
                acc[wBase + o] += xv * dyValues[dyBase + o];
              }
            }
          }
        }
      }
    }
  }
  float32View(backend, dW).set(acc);
  return dW;
}

/** Registry entry for the wasm DepthwiseConv2dNativeBackpropFilter kernel. */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
