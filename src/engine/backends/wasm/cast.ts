// Cast on wasm copies even when the dtype does not change (relu's gradient casts its float mask
// to float32), and its bool conversion keeps the truncated byte instead of "non-zero".
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { makeIdentity } from './identity.ts';
import type { KernelArgs, WasmBackend } from './wasm-backend.ts';

/**
 * Builds a Cast kernel that aliases when the dtype does not change (e.g. relu's float mask) and
 * maps to bool as "non-zero" (the built-in stores the truncated byte: -2 became 254).
 */
export function makeCast(builtinIdentity: KernelFunc, builtinCast: KernelFunc): KernelFunc {
  const identity = makeIdentity(builtinIdentity);
  return ((args: KernelArgs): TensorInfo => {
    const { x } = args.inputs;
    const dtype = args.attrs?.dtype;
    if (dtype === x.dtype) return identity(args as never) as TensorInfo;
    if (dtype !== 'bool' || x.dtype === 'string') return builtinCast(args as never) as TensorInfo;
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(x.shape, 'bool');
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
    return out;
  }) as unknown as KernelFunc;
}

/** Kernel config for Cast with the same-dtype shortcut and a correct bool conversion. */
export function castConfig(builtinIdentity: KernelFunc, builtinCast: KernelFunc): KernelConfig {
  return { kernelName: 'Cast', backendName: 'wasm', kernelFunc: makeCast(builtinIdentity, builtinCast) };
}
