/** The kinds of event a run produces, in the words the telemetry stream uses. */
export type RunEventType = 'status' | 'epoch' | 'batch' | 'checkpoint' | 'evaluation' | 'log' | 'error';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'canceled']);

/** One event as stored and streamed: `seq` orders a run's events with no gap, across retries and workers. */
export interface RunEvent<D = Record<string, unknown>> {
  seq: number;
  runId: string;
  type: RunEventType;
  time: string;
  data: D;
}

/** An event before it is given its sequence number. */
export type RunEventDraft = Omit<RunEvent, 'seq' | 'time' | 'runId'> & { time?: string };

/** A run's failure as users see it: a stable code and a message safe to show. */
export interface RunError {
  code: string;
  message: string;
  details?: unknown;
}
