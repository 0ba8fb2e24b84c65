// Minimal view of tfjs-backend-wasm's BackendWasm: we type only what our kernels touch so
// they stay decoupled from the package's private dist layout.
import { getKernel, type DataType, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's backend object that our kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  /** The Emscripten module; `asm.memory` is the heap every tensor lives in. */
  wasm: { asm: { memory: WebAssembly.Memory } };
}

/** Arguments every kernelFunc receives from the tfjs engine. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs?: NamedAttrMap;
  backend: unknown;
}

/** Calls a kernel already registered for 'wasm' (e.g. XNNPACK Conv2D) from inside another kernel. */
export function runWasmKernel(
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
  backend: WasmBackend,
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`Kernel '${name}' is not registered for backend 'wasm'`);
  return kernel.kernelFunc({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

/**
 * Float32 view of a tensor's bytes on the wasm heap. Fetch views only after the last
 * makeOutput call: allocating may grow the heap and detach earlier views.
 */
export function float32View(backend: WasmBackend, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`Expected float32 tensor, got ${info.dtype}`);
  return view;
}

/** Frees intermediate tensors a kernel created and does not return. */
export function disposeIntermediates(backend: WasmBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Byte offset of a tensor's data in the backend's heap (what Kiln's own wasm kernels take as a pointer). */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  return backend.typedArrayFromHeap(info).byteOffset;
}
