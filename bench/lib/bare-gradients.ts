// The ceiling of data-parallel replicas on this machine: threads computing the seed CNN's loss and
// gradients on a fixed batch and nothing else (no weights in or gradients out, no optimizer). Two
// threads on half the rows each, in lockstep, against one thread on all of them: what 2 replicas
// could reach if exchanging and applying gradients cost nothing.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../src/lib/ts-worker.ts';
import type { GradientThreadRequest } from './gradient-thread.ts';

/** One step of bare gradients over `rows` rows split across the threads; resolves with its wall-clock ms. */
export interface BareGradientStep {
  run(): Promise<number>;
  close(): Promise<void>;
}

/** The worker's next message (after posting `request`, if any); rejects if the thread fails first. */
function reply<T>(worker: Worker, request?: GradientThreadRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    // Both listeners go once either fires: one step per batch would otherwise pile up an 'error'
    // listener per step (Node warns past 10).
    const onMessage = (message: T) => {
      worker.off('error', onError);
      resolve(message);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    if (request) worker.postMessage(request);
  });
}

/** `threads` threads on `rows / threads` rows each, every step started and ended together. */
export async function bareGradientStep(rows: number, threads: number, warmUpSteps: number): Promise<BareGradientStep> {
  const workers: Worker[] = [];
  const close = async () => void (await Promise.all(workers.map((w) => w.terminate())));
  try {
    for (let k = 0; k < threads; k++) {
      const worker = startModuleWorker(new URL('./gradient-thread.ts', import.meta.url));
      workers.push(worker);
      await reply(worker);
      await reply(worker, { type: 'init', rows: rows / threads, warmUpSteps });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const barrier = threads > 1 ? new SharedArrayBuffer(8) : undefined;
  return {
    async run() {
      const started = performance.now();
      await Promise.all(workers.map((w) => reply(w, { type: 'run', steps: 1, barrier })));
      return performance.now() - started;
    },
    close,
  };
}
