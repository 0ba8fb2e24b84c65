import type { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { BackendPreference } from '../../engine/backend.ts';
import type { ModelSignature } from '../../domain/model.ts';
import { startModuleWorker } from '../../lib/ts-worker.ts';
import { KilnError } from '../../domain/errors.ts';
import type { BatchRequest } from '../micro-batcher.ts';
import type { OutputRows } from '../types.ts';
import type { InferenceReply, InferenceRequest } from './protocol.ts';

/** One thread: what it has loaded, and its runs awaiting their reply. */
interface Slot {
  worker: Worker;
  listening: boolean;
  /** Messages posted before the thread listened, sent once it does (earlier ones could be lost). */
  backlog: InferenceRequest[];
  models: Set<string>;
  /** Batches this thread answered. */
  runs: number;
  pending: Map<number, { resolve(outputs: OutputRows[]): void; reject(error: Error): void }>;
}

/**
 * Inference threads (KILN_SERVING_THREADS), each with its own TensorFlow.js backend and its own copy of
 * every model it has run. A batch goes to the thread with the fewest batches in flight; a model is sent
 * to a thread with its first batch there. A thread that dies fails only the batches it held (the
 * micro-batcher reruns their requests one by one) and is replaced at once.
 */
export class InferencePool {
  private readonly slots: Slot[] = [];
  /** Every registered model's artifacts, to load it into threads that have not got it (new or replaced). */
  private readonly models = new Map<string, { artifacts: tf.io.ModelArtifacts; signature: ModelSignature }>();
  private seq = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly backend: BackendPreference,
    private readonly log: { error(obj: object, msg: string): void } = { error: () => {} },
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Makes a model runnable (its artifacts are sent to each thread with that thread's first batch of it). */
  register(id: string, artifacts: tf.io.ModelArtifacts, signature: ModelSignature): void {
    this.models.set(id, { artifacts, signature });
  }

  /** Runs a batch on the least busy thread. */
  /**
   * Runs a batch on the least busy thread. A batch whose thread died under it is run once more on
   * another (or the replacement): it may have died of something else; a second death fails it.
   */
  run(id: string, batch: BatchRequest, retry = true): Promise<OutputRows[]> {
    if (this.slots.length === 0) return Promise.reject(unavailable('no inference thread could start'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const running = this.runOn(slot, id, batch);
    if (!retry) return running;
    return running.catch((error: unknown) => {
      if (error instanceof KilnError && error.code === 'inference_unavailable') return this.run(id, batch, false);
      throw error;
    });
  }

  /** Runs a batch on every thread (the warm-up: each loads the model and compiles its kernels now). */
  async warm(id: string, batch: BatchRequest): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.runOn(slot, id, batch)));
  }

  /** Frees a model in every thread (evicted or deleted). */
  unload(id: string): void {
    this.models.delete(id);
    for (const slot of this.slots) {
      if (slot.models.delete(id)) this.post(slot, { type: 'unload', id });
    }
  }

  /** Batches each thread answered (a replaced thread starts again from 0). */
  runsPerThread(): number[] {
    return this.slots.map((slot) => slot.runs);
  }

  /** For tests: ends thread `i` as a crash would. */
  terminateThread(i: number): Promise<number> {
    return this.slots[i]!.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private runOn(slot: Slot, id: string, batch: BatchRequest): Promise<OutputRows[]> {
    const model = this.models.get(id);
    if (!model) return Promise.reject(new Error(`model ${id} is not registered with the inference threads`));
    if (!slot.models.has(id)) {
      slot.models.add(id);
      this.post(slot, { type: 'load', id, artifacts: model.artifacts, signature: model.signature });
    }
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      slot.pending.set(seq, { resolve, reject });
      slot.worker.ref();
      // Inputs are copied, not moved: a failed batch's requests are rerun from the same buffers. Only the
      // batch's own fields: a lone request also carries its decoder's path functions, which cannot cross.
      const { count, inputs, rowShapes } = batch;
      this.post(slot, { type: 'run', seq, id, batch: { count, inputs, rowShapes } });
    });
  }

  private post(slot: Slot, message: InferenceRequest): void {
    if (slot.listening) slot.worker.postMessage(message);
    else slot.backlog.push(message);
  }

  private spawn(): Slot {
    const worker = startModuleWorker(new URL('./inference-worker.ts', import.meta.url));
    // Only batches in flight hold the process open.
    worker.unref();
    const slot: Slot = { worker, listening: false, backlog: [], models: new Set(), runs: 0, pending: new Map() };
    this.post(slot, { type: 'init', backend: this.backend });
    worker.on('message', (reply: InferenceReply) => {
      if (reply.type === 'listening') {
        slot.listening = true;
        for (const message of slot.backlog.splice(0)) worker.postMessage(message);
        return;
      }
      const pending = slot.pending.get(reply.seq);
      slot.pending.delete(reply.seq);
      if (slot.pending.size === 0) worker.unref();
      slot.runs++;
      if (reply.type === 'done') pending?.resolve(reply.outputs);
      else pending?.reject(new Error(reply.message));
    });
    worker.on('error', () => {}); // 'exit' follows, and does the work
    worker.once('exit', (code) => {
      const error = unavailable(`an inference thread exited (code ${code}) while running this batch`);
      for (const { reject } of slot.pending.values()) reject(error);
      slot.pending.clear();
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.log.error({ code, started: slot.listening }, 'an inference thread exited');
      // A thread that dies before it even listened would die again: drop it rather than loop.
      if (slot.listening) this.slots[at] = this.spawn();
      else this.slots.splice(at, 1);
    });
    return slot;
  }
}

/** A 503: the batch could not run for want of a thread, not because of its input. */
const unavailable = (message: string) =>
  new KilnError('inference_unavailable', message, { status: 503, retryAfterSeconds: 1 });
