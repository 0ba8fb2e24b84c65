// Stride-s convolutions scatter gradients onto every s-th input position; inserting s-1 zeros
// between dy entries turns the input gradient back into a plain stride-1 convolution.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { float32View, type WasmBackend } from './wasm-backend.ts';

/** Returns NHWC `dy` with (strideH-1) zero rows and (strideW-1) zero columns between entries. */
export function insertZeros(backend: WasmBackend, dy: TensorInfo, strideH: number, strideW: number): TensorInfo {
  const [n, h, w, c] = dy.shape;
  const outH = (h - 1) * strideH + 1;
  const outW = (w - 1) * strideW + 1;
  const out = backend.makeOutput([n, outH, outW, c], 'float32');
  const src = float32View(backend, dy);
  const dst = float32View(backend, out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const from = ((b * h + r) * w + col) * c;
        dst.set(src.subarray(from, from + c), ((b * outH + r * strideH) * outW + col * strideW) * c);
      }
    }
  }
  return out;
}
