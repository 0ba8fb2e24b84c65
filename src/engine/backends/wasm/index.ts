// Registers the kernels tfjs-backend-wasm 4.22 lacks (or runs slowly) for training, through the
// public kernel registry. The engine calls it right after `await tf.setBackend('wasm')`.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { avgPoolGradConfig } from './avg-pool-grad.ts';
import { batchMatMulConfig } from './batch-mat-mul.ts';
import { castConfig } from './cast.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input.ts';
import { identityConfig } from './identity.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { loadSimdKernels } from './simd/kernels.ts';
import { sumConfig } from './sum.ts';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.ts';

let registered = false;

/** Names of the kernels registerWasmTrainingKernels installs (or replaces) for 'wasm'. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'UnsortedSegmentSum',
  'BatchMatMul',
  'Sum',
  'Identity',
  'Cast',
] as const;

function replace(config: KernelConfig): void {
  const builtin = getKernel(config.kernelName, config.backendName);
  if (builtin !== undefined) unregisterKernel(config.kernelName, config.backendName);
  // Keep the built-in's setup (its wasm function bindings): our kernels call the built-in as a
  // fallback, and when we register before the backend initialises, only registered setups run.
  registerKernel({ ...config, setupFunc: config.setupFunc ?? builtin?.setupFunc });
}

/** Installs Kiln's training kernels for the 'wasm' backend; safe to call more than once, before or after tf.setBackend('wasm'). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  loadSimdKernels(); // fails here, at start-up, if `npm install` did not assemble them
  // Replaced built-ins stay reachable as the fallback for cases the fast paths skip.
  const builtin = (name: string): KernelFunc => {
    const kernel = getKernel(name, 'wasm');
    if (kernel === undefined)
      throw new Error(`tfjs-backend-wasm has no '${name}' kernel; import it before registering`);
    return kernel.kernelFunc;
  };
  const builtinBackpropInput = builtin('Conv2DBackpropInput');
  const builtinBatchMatMul = builtin('BatchMatMul');
  const builtinSum = builtin('Sum');
  const builtinIdentity = builtin('Identity');
  const builtinCast = builtin('Cast');
  for (const config of [
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig(builtinBackpropInput),
    depthwiseConv2dNativeBackpropFilterConfig,
    depthwiseConv2dNativeBackpropInputConfig,
    maxPoolGradConfig,
    avgPoolGradConfig,
    unsortedSegmentSumConfig,
    batchMatMulConfig(builtinBatchMatMul),
    sumConfig(builtinSum),
    identityConfig(builtinIdentity),
    castConfig(builtinIdentity, builtinCast),
  ]) {
    replace(config);
  }
  registered = true;
}
