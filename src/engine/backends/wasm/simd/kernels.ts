// Kiln's own WebAssembly SIMD kernels (the .wat files here, assembled at install time into
// src/generated/wasm). Each instance imports the tfjs wasm backend's memory, so the kernels read and
// write tensors in place: one instance per backend heap (per thread, or per re-created backend).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WasmBackend } from '../wasm-backend.ts';

/** The exports of filter-grad.wat (see it for the parameters). */
export interface FilterGradKernel {
  rows4(
    x: number,
    dy: number,
    out: number,
    outStride: number,
    o0: number,
    o1: number,
    o2: number,
    o3: number,
    samples: number,
    rows: number,
    cols: number,
    colBlocks: number,
    xColStep: number,
    xRowSkip: number,
    xSampleSkip: number,
    dyStep: number,
  ): void;
}

/** The exports of max-pool-grad.wat. */
export interface MaxPoolGradKernel {
  route2x2(
    x: number,
    dy: number,
    dx: number,
    samples: number,
    inHeight: number,
    inWidth: number,
    channels: number,
    outHeight: number,
    outWidth: number,
  ): void;
}

/** The exports of col2im.wat. */
export interface Col2imKernel {
  add(
    cols: number,
    dx: number,
    offsets: number,
    taps: number,
    channels: number,
    samples: number,
    rows: number,
    columns: number,
    colStep: number,
    rowSkip: number,
    sampleSkip: number,
  ): void;
}

const MODULES = ['filter-grad', 'max-pool-grad', 'col2im'] as const;
type ModuleName = (typeof MODULES)[number];

const compiled = new Map<ModuleName, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<ModuleName, unknown>>();

function builtPath(name: ModuleName): string {
  return fileURLToPath(new URL(`../../../../generated/wasm/${name}.wasm`, import.meta.url));
}

/**
 * Compiles the assembled modules (once per thread). Called when the kernels are registered, so a
 * missing build fails the worker at start, not a run in the middle of training.
 */
export function loadSimdKernels(): void {
  for (const name of MODULES) {
    if (compiled.has(name)) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(builtPath(name));
    } catch (error) {
      throw new Error(`Kiln's wasm kernels are not built (${builtPath(name)} is missing): run \`npm run build:wasm\``, {
        cause: error,
      });
    }
    compiled.set(name, new WebAssembly.Module(bytes));
  }
}

function exportsFor<T>(name: ModuleName, backend: WasmBackend): T {
  const memory = backend.wasm.asm.memory;
  let byName = instances.get(memory);
  if (!byName) instances.set(memory, (byName = new Map()));
  let kernel = byName.get(name);
  if (!kernel) {
    loadSimdKernels();
    kernel = new WebAssembly.Instance(compiled.get(name)!, { env: { memory } }).exports;
    byName.set(name, kernel);
  }
  return kernel as T;
}

/** The filter-gradient kernel bound to this backend's heap. */
export function filterGradKernel(backend: WasmBackend): FilterGradKernel {
  return exportsFor<FilterGradKernel>('filter-grad', backend);
}

/** The 2x2 max-pool gradient kernel bound to this backend's heap. */
export function maxPoolGradKernel(backend: WasmBackend): MaxPoolGradKernel {
  return exportsFor<MaxPoolGradKernel>('max-pool-grad', backend);
}

/** The col2im scatter-add kernel bound to this backend's heap. */
export function col2imKernel(backend: WasmBackend): Col2imKernel {
  return exportsFor<Col2imKernel>('col2im', backend);
}
