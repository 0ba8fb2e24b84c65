// The built-in wasm BatchMatMul only reaches XNNPACK for untransposed operands; with
// transposeA/B it runs a scalar loop (~9 ms vs ~1 ms for the Dense backward of the seed CNN).
// Materialising the transpose first is far cheaper than the slow product.
import { type BatchMatMulAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { disposeIntermediates, runWasmKernel, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

function swapLastTwo(backend: WasmBackend, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return runWasmKernel('Transpose', { x }, { perm }, backend);
}

/** Builds a BatchMatMul that transposes operands explicitly, then runs `builtin` untransposed. */
export function makeBatchMatMul(builtin: KernelFunc): KernelFunc {
  return ((args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackend;
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (!transposeA && !transposeB) return builtin(args as never) as TensorInfo;
    const aPlain = transposeA ? swapLastTwo(backend, a) : a;
    const bPlain = transposeB ? swapLastTwo(backend, b) : b;
    const out = builtin({
      inputs: { a: aPlain, b: bPlain },
      attrs: { transposeA: false, transposeB: false },
      backend: backend as never,
    }) as TensorInfo;
    disposeIntermediates(backend, ...(transposeA ? [aPlain] : []), ...(transposeB ? [bPlain] : []));
    return out;
  }) as unknown as KernelFunc;
}

/** Kernel config for BatchMatMul wrapping the built-in kernel. */
export function batchMatMulConfig(builtin: KernelFunc): KernelConfig {
  return { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: makeBatchMatMul(builtin) };
}
