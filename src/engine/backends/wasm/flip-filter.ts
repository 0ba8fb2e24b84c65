// The input gradient of a convolution is a convolution with the filter rotated 180 degrees and
// its in/out channels swapped; XNNPACK needs that filter materialised in HWIO layout.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { float32View, type WasmBackend } from './wasm-backend.ts';

/** Returns filter [kh,kw,ci,co] rotated spatially by 180 degrees as [kh,kw,co,ci]. */
export function flipFilterSwapChannels(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = float32View(backend, filter);
  const dst = float32View(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const srcBase = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const dstBase = (i * kw + j) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) dst[dstBase + o * ci + c] = src[srcBase + c * co + o];
      }
    }
  }
  return out;
}
