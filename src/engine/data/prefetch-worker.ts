// Entry point of the prefetch worker thread: builds the batches the main thread asks for, one at a
// time in arrival order, and hands their buffers over (transfer, not copy).
import { parentPort } from 'node:worker_threads';
import { prepareBatch, type EpochPlan } from './prepare-batch.ts';
import { fromWorkerPlan } from './worker-plan.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

const port = parentPort!;
const plans = new Map<number, EpochPlan>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'open') plans.set(request.stream, fromWorkerPlan(request.plan));
  else if (request.type === 'close') {
    // A file-backed store opened its file in this thread: close it with its stream.
    plans.get(request.stream)?.store.close();
    plans.delete(request.stream);
  } else {
    const plan = plans.get(request.stream);
    try {
      // Answered all the same, so the main thread's count of outstanding requests stays exact.
      if (!plan) throw new Error('stream closed before this batch was built');
      const batch = prepareBatch(plan, request.index);
      // prepareBatch allocates plain ArrayBuffers (never shared ones), which can be transferred.
      reply({ type: 'batch', stream: request.stream, batch }, [
        batch.x.buffer as ArrayBuffer,
        batch.y.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      reply({
        type: 'failed',
        stream: request.stream,
        index: request.index,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
});
reply({ type: 'ready' });
