import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The backend a process trains on, and the device it reports to users. */
export interface BackendInfo {
  backend: string;
  device: string;
  /** True only when TensorFlow runs on an NVIDIA GPU (KILN_REQUIRE_GPU checks this). */
  gpu: boolean;
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
      return { backend: 'tensorflow', ...native };
    }
    if (preference === 'tensorflow') {
      throw new Error(
        'TFJS_BACKEND=tensorflow but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads here',
      );
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
        return { backend: 'wasm', device: 'cpu (wasm, 1 thread)', gpu: false };
      }
    } catch (error) {
      if (preference === 'wasm') throw error;
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', device: 'cpu (javascript)', gpu: false };
}

/** Describes the native device when a tfjs-node package loads, else undefined. */
function loadNativeBinding(): { device: string; gpu: boolean } | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
    } catch {
      continue; // not installed or libtensorflow missing: try the next one
    }
    if (!pkg.endsWith('-gpu')) return { device: 'cpu (libtensorflow)', gpu: false };
    // libtensorflow's GPU build quietly runs on the CPU when it sees no GPU (no driver, or a container
    // started without the NVIDIA runtime): say so rather than claim a GPU.
    const gpus = nvidiaGpus();
    return gpus > 0
      ? { device: `gpu (CUDA via libtensorflow, ${gpus} NVIDIA GPU${gpus > 1 ? 's' : ''} visible)`, gpu: true }
      : { device: 'cpu (libtensorflow GPU build, but no NVIDIA GPU is visible)', gpu: false };
  }
  return undefined;
}

/** NVIDIA GPUs the driver exposes to this process (0 without a driver or without the container runtime). */
function nvidiaGpus(): number {
  const dir = '/proc/driver/nvidia/gpus';
  return existsSync(dir) ? readdirSync(dir).length : 0;
}
