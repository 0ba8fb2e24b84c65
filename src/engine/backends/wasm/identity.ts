// Identity (tf.clone, and what tape bookkeeping calls) copies the whole buffer on wasm; tensors
// are immutable, so sharing the buffer with a reference count, as the cpu backend does, is safe
// and saves a full pass over every activation it touches.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './wasm-backend.ts';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** Builds an Identity kernel that aliases numeric buffers; strings go to `builtin`. */
export function makeIdentity(builtin: KernelFunc): KernelFunc {
  return ((args: KernelArgs): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return builtin(args as never) as TensorInfo;
    (args.backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as KernelFunc;
}

/** Kernel config for the aliasing Identity. */
export function identityConfig(builtin: KernelFunc): KernelConfig {
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: makeIdentity(builtin) };
}
