import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The backend a process trains on, and the device it reports to users. */
export interface BackendInfo {
  backend: string;
  device: string;
}

const require = createRequire(import.meta.url);

/**
 * Loads the preferred TensorFlow.js backend. `auto` takes the native `tensorflow` backend when
 * @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node is installed (optional dependencies that need
 * libtensorflow), else `wasm`, else the pure-JS `cpu`. Naming a backend that cannot load is an error.
 */
export async function initBackend(preference: BackendPreference): Promise<BackendInfo> {
  if (preference === 'auto' || preference === 'tensorflow') {
    const native = loadNativeBinding();
    if (native) {
      await tf.setBackend('tensorflow');
      await tf.ready();
      return { backend: 'tensorflow', device: native };
    }
    if (preference === 'tensorflow') {
      throw new Error('TFJS_BACKEND=tensorflow but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads here');
    }
  }
  if (preference === 'auto' || preference === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      // Training kernels wasm lacks (conv and depthwise gradients, segment sums) and fast versions of slow ones.
      const { registerWasmTrainingKernels } = await import('./backends/wasm/index.ts');
      registerWasmTrainingKernels();
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { backend: 'wasm', device: 'cpu (wasm, 1 thread)' };
      }
    } catch (error) {
      if (preference === 'wasm') throw error;
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', device: 'cpu (javascript)' };
}

/** Returns a description of the native device when a tfjs-node package loads, else undefined. */
function loadNativeBinding(): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return pkg.endsWith('-gpu') ? 'gpu (CUDA via libtensorflow)' : 'cpu (libtensorflow)';
    } catch {
      // not installed or libtensorflow missing: try the next one
    }
  }
  return undefined;
}
