// Switches the process between tfjs backends; wasm always gets Kiln's training kernels.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/engine/backends/wasm/index.ts';

export type BackendName = 'wasm' | 'cpu';

/** Makes `name` the active backend (as the engine will: setBackend, then register kernels). */
export async function useBackend(name: BackendName): Promise<void> {
  await tf.setBackend(name);
  if (name === 'wasm') registerWasmTrainingKernels();
}
