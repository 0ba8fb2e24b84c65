import type { EpochPlan } from './prepare-batch.ts';
import { SampleStore, type SampleSource } from './sample-store.ts';

/** An EpochPlan as plain data: what the prefetch worker receives as workerData. */
export type WorkerPlan = Omit<EpochPlan, 'store'> & { store: SampleSource };

/** The plan to post to a worker; the dataset goes in shared memory, so no epoch copies it again. */
export function toWorkerPlan(plan: EpochPlan): WorkerPlan {
  return { ...plan, store: plan.store.sharedSource() };
}

/** Rebuilds the plan on the worker side. */
export function fromWorkerPlan(plan: WorkerPlan): EpochPlan {
  return { ...plan, store: new SampleStore(plan.store) };
}
