// Kiln's own WebAssembly SIMD kernels (the .wat files here, assembled at install time into
// src/generated/wasm). Each instance imports the tfjs wasm backend's memory, so the kernels read and
// write tensors in place: one instance per backend heap (per thread, or per re-created backend).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WasmBackend } from '../wasm_backend.ts';

/** The exports of filter_grad.wat (see it for the parameters). */
export interface FilterGradKernel {
  rows4(
    x: number, dy: number, out: number, outStride: number,
    o0: number, o1: number, o2: number, o3: number,
    samples: number, rows: number, cols: number, colBlocks: number,
    xColStep: number, xRowSkip: number, xSampleSkip: number, dyStep: number,
  ): void;
}

const BUILT = new URL('../../../../generated/wasm/filter_grad.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, FilterGradKernel>();

/**
 * Compiles the assembled module (once per thread). Called when the kernels are registered, so a
 * missing build fails the worker at start, not a run in the middle of training.
 */
export function loadSimdKernels(): void {
  if (compiled) return;
  let bytes: Buffer;
  try {
    bytes = readFileSync(fileURLToPath(BUILT));
  } catch (error) {
    throw new Error(`Kiln's wasm kernels are not built (${fileURLToPath(BUILT)} is missing): run \`npm run build:wasm\``, { cause: error });
  }
  compiled = new WebAssembly.Module(bytes);
}

/** The filter-gradient kernel bound to this backend's heap. */
export function filterGradKernel(backend: WasmBackend): FilterGradKernel {
  const memory = backend.wasm.asm.memory;
  let kernel = instances.get(memory);
  if (!kernel) {
    loadSimdKernels();
    kernel = new WebAssembly.Instance(compiled!, { env: { memory } }).exports as unknown as FilterGradKernel;
    instances.set(memory, kernel);
  }
  return kernel;
}
