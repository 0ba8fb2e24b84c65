/** Where a run is in its life: queued → running → one of the terminal statuses (running may go back to queued on a retry). */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'canceled']);

/** A run in a terminal status never changes again. */
export const isTerminal = (status: string): boolean => TERMINAL_STATUSES.has(status as RunStatus);

/** A run's failure as users see it: a stable code and a message safe to show. */
export interface RunError {
  code: string;
  message: string;
  details?: unknown;
}
