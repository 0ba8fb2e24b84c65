// Input gradient as one XNNPACK convolution: dx = conv(pad(zeroInsert(dy)), flip(W)^T).
// Costs a full convolution over dx's pixels, so it suits stride 1 with 'same'-like padding.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import { flipFilterSwapChannels } from './flip-filter.ts';
import { disposeIntermediates, runWasmKernel, type WasmBackend } from './wasm-backend.ts';
import { insertZeros } from './zero-insert.ts';

/**
 * Padding of the zero-inserted dy whose stride-1 convolution with the rotated filter yields dx;
 * null when the forward padding is wider than the (dilated) filter.
 */
export function transposedConvPadding(info: backend_util.Conv2DInfo): [number, number, number, number] | null {
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.effectiveFilterHeight - 1 - ((info.outHeight - 1) * info.strideHeight + 1) - top;
  const right = info.inWidth + info.effectiveFilterWidth - 1 - ((info.outWidth - 1) * info.strideWidth + 1) - left;
  return Math.min(top, left, bottom, right) < 0 ? null : [top, bottom, left, right];
}

/** dx of an NHWC convolution (dilation 1) computed with XNNPACK Conv2D. */
export function inputGradByConv(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  [top, bottom, left, right]: [number, number, number, number],
): TensorInfo {
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  const dyDilated = strided ? insertZeros(backend, dy, info.strideHeight, info.strideWidth) : dy;
  const flipped = flipFilterSwapChannels(backend, filter);
  const dx = runWasmKernel(
    'Conv2D',
    { x: dyDilated, filter: flipped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
    backend,
  );
  disposeIntermediates(backend, flipped, ...(strided ? [dyDilated] : []));
  return dx;
}
