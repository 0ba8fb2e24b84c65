import { fileURLToPath } from 'node:url';
import { forkModule } from '../lib/child-process.ts';
import type { BackendInfo, BackendPreference } from '../engine/backend.ts';

const PROBE = fileURLToPath(new URL('./device-probe.ts', import.meta.url));

/** Which backend and device this machine's training processes get (found by loading it in a child). */
export function probeDevice(preference: BackendPreference): Promise<BackendInfo> {
  return new Promise((resolve, reject) => {
    const child = forkModule(PROBE, [preference]);
    let answered = false;
    child.once('message', (m: { ok: true; info: BackendInfo } | { ok: false; message: string }) => {
      answered = true;
      if (m.ok) resolve(m.info);
      else reject(new Error(m.message));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!answered) reject(new Error(`the device probe exited with ${signal ?? code} before answering`));
    });
  });
}

/** Why this worker must not train, when KILN_REQUIRE_GPU is set and TensorFlow found no GPU; else undefined. */
export function gpuRequirementProblem(requireGpu: boolean, info: BackendInfo): string | undefined {
  if (!requireGpu || info.gpu) return undefined;
  const hint =
    info.backend === 'tensorflow'
      ? 'the GPU build of libtensorflow loaded but sees no NVIDIA GPU: is the container started with the NVIDIA runtime (a GPU reservation in compose) and is the driver installed on the host?'
      : '@tensorflow/tfjs-node-gpu did not load: it needs CUDA 11.2 and cuDNN 8.1 libraries (the `worker` image has them)';
  return `KILN_REQUIRE_GPU=1 but TensorFlow.js runs on ${info.backend} (${info.device}); ${hint}. This worker takes no jobs.`;
}
