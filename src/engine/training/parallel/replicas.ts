/**
 * Backends that data-parallel replicas speed up: the single-threaded ones. The native `tensorflow`
 * backend already spreads one step over every core.
 */
const REPLICA_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/** Whether replica threads can run on this backend. */
export function replicasRunOn(backend: string): backend is 'wasm' | 'cpu' {
  return REPLICA_BACKENDS.has(backend);
}

/** How many replicas a job trains with on `backend` when `wanted` are configured (1 where they do not apply). */
export function usableReplicas(wanted: number, backend: string): number {
  return wanted > 1 && replicasRunOn(backend) ? wanted : 1;
}
