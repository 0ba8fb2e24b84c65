// Input gradient of Conv2D through XNNPACK, choosing per shape between a transposed convolution
// and matmul+col2im by estimated cost. The built-in wasm kernel is a scalar C++ loop (~7x slower
// on the seed CNN); it remains only as the fallback for NCHW.
import {
  backend_util,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { inputGradByCol2im, simdCol2imApplies } from './input-grad-by-col2im.ts';
import { inputGradByConv, transposedConvPadding } from './input-grad-by-conv.ts';
import type { KernelArgs, WasmBackend } from './wasm-backend.ts';

type Shape4 = [number, number, number, number];

/**
 * Cost of one JS col2im scatter-add in units of one XNNPACK multiply-add (~3 ns vs ~0.1 ns).
 * Timing both forms on five shapes (stride 1 and 2, 'same' and 'valid', 16 and 64 channels)
 * picked the faster one every time with this value.
 */
const SCATTER_COST_IN_MACS = 30;
/**
 * The same with Kiln's SIMD scatter ('valid' convolutions, channels a multiple of 4): ~4. Measured
 * with it, col2im beats the convolution form on the seed CNN's second layer (18 vs 24 ms per batch
 * of 128), its third (2.7 vs 7.8 ms) and a 5x5 'valid' layer (16 vs 19 ms).
 */
const SIMD_SCATTER_COST_IN_MACS = 4;

/** Which formulation computes dx for this (NHWC) convolution: the cheaper one that applies. */
export function inputGradStrategy(info: backend_util.Conv2DInfo): 'conv' | 'col2im' {
  const convCost = info.inHeight * info.inWidth * info.outChannels;
  const scatterCost = simdCol2imApplies(info) ? SIMD_SCATTER_COST_IN_MACS : SCATTER_COST_IN_MACS;
  const col2imCost = info.outHeight * info.outWidth * (info.outChannels + scatterCost);
  return transposedConvPadding(info) !== null && convCost <= col2imCost ? 'conv' : 'col2im';
}

/** Builds the Conv2DBackpropInput kernel; `fallback` (the built-in kernel) handles NCHW. */
export function makeConv2DBackpropInput(fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackend;
    const { dy, filter } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    if (info.dataFormat !== 'channelsLast') return fallback(args as never) as TensorInfo;

    return inputGradStrategy(info) === 'conv'
      ? inputGradByConv(backend, dy, filter, info, transposedConvPadding(info) as [number, number, number, number])
      : inputGradByCol2im(backend, dy, filter, info);
  }) as unknown as KernelFunc;
}

/** Kernel config for the fast Conv2DBackpropInput, wrapping the built-in kernel as fallback. */
export function conv2DBackpropInputConfig(fallback: KernelFunc): KernelConfig {
  return { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: makeConv2DBackpropInput(fallback) };
}
