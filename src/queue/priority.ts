import { MAX_RUN_PRIORITY } from '../domain/priority.ts';

/**
 * BullMQ's priority for a run's `priority`. Users say "higher is more urgent" (as Kubernetes and Slurm
 * do); BullMQ runs 1 first and larger numbers later, and takes jobs with no priority before all
 * prioritized ones, so every job gets one: priority 1000 → 1, the default 0 → 1001. Jobs of equal
 * priority keep their submission order.
 */
export function bullPriority(runPriority = 0): number {
  return MAX_RUN_PRIORITY + 1 - runPriority;
}
