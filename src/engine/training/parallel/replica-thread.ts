import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../lib/ts-worker.ts';
import type { ReplicaReply, ReplicaRequest } from './protocol.ts';

/** Replica threads started and not yet exited, so leaks can be checked (and tested). */
const live = new Set<Worker>();

/** How many replica threads are running in this process. */
export function liveReplicaThreads(): number {
  return live.size;
}

function spawn(): Worker {
  return startModuleWorker(new URL('./replica-worker.ts', import.meta.url));
}

/**
 * The training thread's handle on one replica thread: one request at a time, each answered by one
 * reply. A thread that dies fails the request in flight and every later one. It holds the event
 * loop open only while a request is outstanding, so a forgotten replica cannot keep the process alive.
 */
export class ReplicaThread {
  private readonly worker: Worker;
  private failure?: Error;
  private pending?: { resolve(reply: ReplicaReply): void; reject(err: Error): void };
  private readonly exited: Promise<void>;
  /** Resolves when the thread's entry module listens: messages posted before that can be lost. */
  private readonly listening: Promise<void>;
  private markListening!: () => void;
  private isListening = false;

  constructor() {
    this.worker = spawn();
    live.add(this.worker);
    this.worker.unref();
    this.listening = new Promise((resolve) => (this.markListening = resolve));
    this.worker.on('message', (reply: ReplicaReply | { type: 'listening' }) => {
      if (reply.type === 'listening') {
        this.isListening = true;
        return this.markListening();
      }
      const pending = this.pending;
      this.pending = undefined;
      this.worker.unref();
      if (reply.type === 'failed') pending?.reject(new Error(`replica thread failed: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        live.delete(this.worker);
        this.fail(new Error(`replica thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  /** Sends a request and resolves with the thread's reply (rejects if it failed or died). */
  request(message: ReplicaRequest): Promise<ReplicaReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a replica thread takes one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      // Post right away when we can: the caller computes its own shard synchronously next, and a
      // message deferred to a microtask would only leave after that, serialising the replicas.
      if (this.isListening) this.worker.postMessage(message);
      else {
        void this.listening.then(() => {
          if (this.pending?.resolve === resolve) this.worker.postMessage(message);
        });
      }
    });
  }

  /** Stops the thread; resolves once it has exited. */
  async close(): Promise<void> {
    this.failure ??= new Error('replica thread is closed');
    await this.worker.terminate();
    await this.exited;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }
}
