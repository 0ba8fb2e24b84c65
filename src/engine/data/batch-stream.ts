import { hasAugmentation, type AugmentSpec } from './augment.ts';
import type { LabelEncoding } from './labels.ts';
import { batchCount, prepareBatch, validatePlan, type EpochPlan, type HostBatch } from './prepare-batch.ts';
import { PrefetchWorker } from './prefetch-thread.ts';
import type { Preprocessing } from './preprocess.ts';
import type { SampleStore } from './sample-store.ts';

const DEFAULT_PREFETCH = 2;

export interface BatchStreamOptions {
  store: SampleStore;
  batchSize: number;
  /** The epoch's sample order, e.g. epochOrder(store.size, shuffle, seed, epoch). */
  order: Int32Array;
  /** First batch to yield (resuming mid-epoch); default 0. */
  startBatch?: number;
  /** Resolved with resolvePreprocess against the train store; default none. */
  preprocess?: Preprocessing;
  labels: LabelEncoding;
  augment?: AugmentSpec;
  /** Augmentation applies only to training streams; validation/test streams pass training: false. */
  training: boolean;
  seed: number;
  epoch: number;
  /**
   * Batches the worker prepares ahead of the one being consumed; default 2. 0 = build each batch on
   * demand in this thread. In-thread streams always build on demand: ahead-of-time work in the same
   * thread would only move the cost, not overlap it.
   */
  prefetch?: number;
  /**
   * Build batches in a worker thread (only when prefetch > 0). Default: when augmenting, the work heavy
   * enough to pay for a thread; plain gather + scale is cheaper than the hand-over.
   */
  worker?: boolean;
  /**
   * A long-lived worker thread (one per training run) to build batches in: the stream neither starts
   * nor stops it. Without one, a stream on the worker path starts its own (~0.3 s) and stops it when done.
   */
  prefetchWorker?: PrefetchWorker;
}

/** Whether a stream with these options builds its batches in a worker thread. */
export function usesWorker(opts: BatchStreamOptions): boolean {
  return (opts.prefetch ?? DEFAULT_PREFETCH) > 0 && (opts.worker ?? (opts.training && hasAugmentation(opts.augment)));
}

async function* inThread(plan: EpochPlan, start: number, end: number): AsyncGenerator<HostBatch> {
  for (let i = start; i < end; i++) yield prepareBatch(plan, i);
}

async function* fromWorker(
  plan: EpochPlan,
  start: number,
  end: number,
  prefetch: number,
  shared: PrefetchWorker | undefined,
): AsyncGenerator<HostBatch> {
  if (start >= end) return;
  const thread = shared ?? new PrefetchWorker();
  const epoch = thread.open(plan);
  try {
    for (let i = start; i < end; i++) {
      // Keep `prefetch` batches beyond this one queued: the worker builds them while the caller trains.
      for (let ahead = i + 1; ahead <= Math.min(end - 1, i + prefetch); ahead++) epoch.request(ahead);
      yield await epoch.take(i);
    }
  } finally {
    // Runs on completion, on an error, and when the consumer stops early (return()).
    epoch.close();
    if (!shared) await thread.close();
  }
}

/**
 * The batches of one epoch from startBatch on, each a pure function of (seed, epoch, batch index), so
 * the worker and in-thread paths, and a resumed run, yield byte-identical batches.
 */
export function createBatchStream(opts: BatchStreamOptions): AsyncIterableIterator<HostBatch> {
  const plan: EpochPlan = {
    store: opts.store,
    batchSize: opts.batchSize,
    order: opts.order,
    preprocess: opts.preprocess ?? { kind: 'none' },
    labels: opts.labels,
    augment: opts.training && hasAugmentation(opts.augment) ? opts.augment : undefined,
    seed: opts.seed,
    epoch: opts.epoch,
  };
  validatePlan(plan);
  const end = batchCount(plan);
  const start = opts.startBatch ?? 0;
  if (!(Number.isInteger(start) && start >= 0 && start <= end))
    throw new Error(`startBatch must be an integer in [0, ${end}], got ${start}`);
  const prefetch = opts.prefetch ?? DEFAULT_PREFETCH;
  if (!(Number.isInteger(prefetch) && prefetch >= 0))
    throw new Error(`prefetch must be a non-negative integer, got ${prefetch}`);
  return usesWorker(opts) ? fromWorker(plan, start, end, prefetch, opts.prefetchWorker) : inThread(plan, start, end);
}
