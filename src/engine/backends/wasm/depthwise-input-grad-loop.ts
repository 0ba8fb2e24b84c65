// Any channel multiplier, stride, dilation and padding: scatter dy through each filter tap in one
// JS pass over the heap (memory-bound, ~10x slower than XNNPACK's depthwise convolution).
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { float32View, type WasmBackend } from './wasm-backend.ts';

/** dx[b,r,col,c] = sum over taps and m of dy[b,oh,ow,c*M+m] * W[i,j,c,m] for the taps that read it. */
export function depthwiseInputGradLoop(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } =
    info;
  const multiplier = outChannels / inChannels;
  const dx = backend.makeOutput(info.inShape, 'float32');
  const dyValues = float32View(backend, dy);
  const w = float32View(backend, filter);
  const dxValues = float32View(backend, dx);
  dxValues.fill(0);

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
            const dxBase = ((b * inHeight + r) * inWidth + col) * inChannels;
            const wBase = (i * filterWidth + j) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              let sum = 0;
              for (let m = 0; m < multiplier; m++) {
                const o = c * multiplier + m;
                sum += dyValues[dyBase + o] * w[wBase + o];
              }
              dxValues[dxBase + c] += sum;
            }
          }
        }
      }
    }
  }
  return dx;
}
