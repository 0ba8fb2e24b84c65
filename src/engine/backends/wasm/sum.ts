// Bias gradients reduce dy over its leading axes (batch, rows, cols). The built-in wasm Sum first
// transposes those axes innermost (~11 ms for the seed CNN's first layer); summing columns in
// place in JS takes a fraction of that. Every other reduction goes to the built-in kernel.
import {
  backend_util,
  util,
  type KernelConfig,
  type KernelFunc,
  type SumAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { float32View, type KernelArgs, type WasmBackend } from './wasm-backend.ts';

/** Number of leading axes `axis` reduces, or 0 when it is not a proper leading prefix. */
function leadingAxesCount(axis: number | number[], rank: number): number {
  const axes = [...new Set(util.parseAxisParam(axis, new Array<number>(rank).fill(1)))].sort((p, q) => p - q);
  const isPrefix = axes.every((a, i) => a === i);
  return isPrefix && axes.length < rank ? axes.length : 0;
}

/** Builds a Sum kernel with a fast path for leading-axes float32 reductions. */
export function makeSum(builtin: KernelFunc): KernelFunc {
  return ((args: KernelArgs): TensorInfo => {
    const backend = args.backend as WasmBackend;
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const leading = x.dtype === 'float32' ? leadingAxesCount(axis, x.shape.length) : 0;
    if (leading === 0) return builtin(args as never) as TensorInfo;

    const keptShape = x.shape.slice(leading);
    const cols = util.sizeFromShape(keptShape);
    const rows = util.sizeFromShape(x.shape.slice(0, leading));
    const axes = Array.from({ length: leading }, (_, i) => i);
    const out = backend.makeOutput(
      keepDims ? backend_util.expandShapeToKeepDim(keptShape, axes) : keptShape,
      'float32',
    );
    const values = float32View(backend, x);
    // float64 accumulators; four rows per pass to cut accumulator traffic.
    const acc = new Float64Array(cols);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) acc[c] += values[b0 + c] + values[b1 + c] + values[b2 + c] + values[b3 + c];
    }
    for (; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c] += values[base + c];
    }
    float32View(backend, out).set(acc);
    return out;
  }) as unknown as KernelFunc;
}

/** Kernel config for Sum wrapping the built-in kernel. */
export function sumConfig(builtin: KernelFunc): KernelConfig {
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: makeSum(builtin) };
}
