import type { HostBatch } from './prepare-batch.ts';
import type { WorkerPlan } from './worker-plan.ts';

/**
 * Main thread → worker. One thread serves successive streams (epochs), told apart by `stream`: open
 * registers an epoch's plan, batch asks for one of its batches, close forgets it (queued requests
 * of a closed stream are then skipped, not built).
 */
export type WorkerRequest =
  | { type: 'open'; stream: number; plan: WorkerPlan }
  | { type: 'batch'; stream: number; index: number }
  | { type: 'close'; stream: number };

/**
 * Worker → main thread: ready to take requests (sent once; requests posted before the worker's entry
 * module has loaded can be dropped), or a batch, or why it could not be built.
 */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'batch'; stream: number; batch: HostBatch }
  | { type: 'failed'; stream: number; index: number; message: string };
