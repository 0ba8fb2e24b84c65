import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../lib/ts-worker.ts';
import type { EpochPlan, HostBatch } from './prepare-batch.ts';
import { toWorkerPlan } from './worker-plan.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';

/** Worker threads started and not yet exited, so leaks can be checked (and tested). */
const live = new Set<Worker>();

/** How many prefetch worker threads are running in this process. */
export function livePrefetchWorkers(): number {
  return live.size;
}

function spawn(): Worker {
  return startModuleWorker(new URL('./prefetch-worker.ts', import.meta.url));
}

/** A batch requested from the worker; forgotten once it has both arrived and been taken. */
interface Pending {
  promise: Promise<HostBatch>;
  resolve(batch: HostBatch): void;
  reject(err: Error): void;
  settled: boolean;
  taken: boolean;
}

/** One stream's (epoch's) batches on a PrefetchWorker: request ahead, take in order. */
export class WorkerEpoch {
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly thread: PrefetchWorker,
    readonly id: number,
  ) {}

  /** Asks the worker to build batch `index`; the result waits for take(index). */
  request(index: number): void {
    if (this.pending.has(index)) return;
    const pending = { settled: false, taken: false } as Pending;
    pending.promise = new Promise<HostBatch>((resolve, reject) => Object.assign(pending, { resolve, reject }));
    // A prefetched batch may fail before anyone awaits it; take() still reports the error.
    pending.promise.catch(() => {});
    this.pending.set(index, pending);
    const failure = this.closed ? new Error('prefetch stream is closed') : this.thread.failure;
    if (failure) this.settle(index, failure);
    else this.thread.send({ type: 'batch', stream: this.id, index });
  }

  /** Batch `index` (requesting it if nobody did). */
  take(index: number): Promise<HostBatch> {
    this.request(index);
    const pending = this.pending.get(index)!;
    pending.taken = true;
    if (pending.settled) this.pending.delete(index);
    return pending.promise;
  }

  /** Drops this stream's outstanding requests (the worker skips those still queued); the thread lives on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.thread.forget(this);
  }

  /** Delivers a batch or an error for `index`. */
  settle(index: number, result: HostBatch | Error): void {
    const pending = this.pending.get(index);
    if (!pending || pending.settled) return;
    pending.settled = true;
    if (pending.taken) this.pending.delete(index);
    if (result instanceof Error) pending.reject(result);
    else pending.resolve(result);
  }

  /** Fails every outstanding request (the thread died). */
  failAll(err: Error): void {
    for (const index of [...this.pending.keys()]) this.settle(index, err);
  }
}

/**
 * A worker thread that builds batches off the main thread. Starting one costs ~0.3 s (tsx in the
 * worker), so a training run keeps one for all its epochs and passes it to each epoch's stream;
 * the dataset crosses once, in shared memory. It holds the event loop open only while a request is
 * outstanding, so a forgotten worker cannot keep the process alive.
 */
export class PrefetchWorker {
  /** Set once the thread has failed or been closed; later requests fail with it. */
  failure?: Error;
  private readonly worker: Worker;
  private readonly streams = new Map<number, WorkerEpoch>();
  private nextStream = 0;
  /** Requests held back until the worker says it is listening; undefined once it is. */
  private unsent: WorkerRequest[] | undefined = [];
  /** Batch requests not answered yet. */
  private inFlight = 0;
  private readonly exited: Promise<void>;

  /** Starts the thread right away, so its start-up overlaps whatever the caller does before the first batch. */
  constructor() {
    this.worker = spawn();
    live.add(this.worker);
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.receive(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        live.delete(this.worker);
        this.fail(new Error(`prefetch worker exited (code ${code})`));
        resolve();
      }),
    );
  }

  /** Registers one epoch's plan with the worker; its batches are requested through the handle. */
  open(plan: EpochPlan): WorkerEpoch {
    const epoch = new WorkerEpoch(this, this.nextStream++);
    this.streams.set(epoch.id, epoch);
    this.send({ type: 'open', stream: epoch.id, plan: toWorkerPlan(plan) });
    return epoch;
  }

  /** Stops the thread; resolves once it has exited. Open streams fail from then on. */
  async close(): Promise<void> {
    this.failure ??= new Error('prefetch worker is closed');
    await this.worker.terminate();
    await this.exited;
  }

  /** Posts a request (queued until the worker is listening). */
  send(request: WorkerRequest): void {
    if (request.type === 'batch' && this.inFlight++ === 0) this.worker.ref();
    if (this.unsent) this.unsent.push(request);
    else this.worker.postMessage(request);
  }

  /** Unregisters a closed stream. */
  forget(epoch: WorkerEpoch): void {
    this.streams.delete(epoch.id);
    if (!this.failure) this.send({ type: 'close', stream: epoch.id });
  }

  private receive(reply: WorkerReply): void {
    if (reply.type === 'ready') {
      for (const request of this.unsent ?? []) this.worker.postMessage(request);
      this.unsent = undefined;
      return;
    }
    if (--this.inFlight === 0) this.worker.unref();
    const epoch = this.streams.get(reply.stream);
    if (reply.type === 'batch') epoch?.settle(reply.batch.index, reply.batch);
    else epoch?.settle(reply.index, new Error(reply.message));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.inFlight = 0;
    for (const epoch of this.streams.values()) epoch.failAll(this.failure);
  }
}
