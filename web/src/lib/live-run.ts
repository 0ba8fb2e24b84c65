import type { BatchProgress, Checkpoint, EpochView, Evaluation, RunEvent, RunStatus } from '../api/types.ts';

export interface LogLine {
  seq: number;
  time: string;
  level: string;
  message: string;
}

/** What a run's event stream has told so far. */
export interface LiveRun {
  status?: RunStatus;
  epochs: EpochView[];
  batch?: BatchProgress;
  checkpoints: Checkpoint[];
  evaluation?: Evaluation;
  logs: LogLine[];
}

export const emptyLive: LiveRun = { epochs: [], checkpoints: [], logs: [] };

const MAX_LOG_LINES = 500;

/** Folds one event into the live state (pure, for useReducer). An epoch seen again after a resume replaces the old one. */
export function applyEvent(live: LiveRun, event: RunEvent): LiveRun {
  const log = (level: string, message: string): LogLine[] =>
    [...live.logs, { seq: event.seq, time: event.time, level, message }].slice(-MAX_LOG_LINES);
  switch (event.type) {
    case 'epoch': {
      const epoch: EpochView = event.data;
      const epochs = [...live.epochs.filter((e) => e.epoch !== epoch.epoch), epoch].sort((a, b) => a.epoch - b.epoch);
      return { ...live, epochs };
    }
    case 'batch':
      return { ...live, batch: event.data };
    case 'checkpoint': {
      const { monitor, value, ...saved } = event.data;
      const checkpoint: Checkpoint = {
        ...saved,
        monitor: monitor ?? null,
        value: value ?? null,
        createdAt: event.time,
      };
      return { ...live, checkpoints: [...live.checkpoints, checkpoint] };
    }
    case 'evaluation':
      return { ...live, evaluation: event.data };
    case 'status': {
      const data = event.data;
      const detail = [
        data.status === 'running' && data.backend && `backend ${data.backend}`,
        data.status === 'queued' && data.reason,
        data.status === 'failed' && data.error?.message,
      ]
        .filter(Boolean)
        .join('; ');
      return {
        ...live,
        status: data.status,
        logs: log(data.status === 'failed' ? 'error' : 'info', `status: ${data.status}${detail ? ` (${detail})` : ''}`),
      };
    }
    case 'log':
      return { ...live, logs: log(event.data.level ?? 'info', event.data.message ?? JSON.stringify(event.data)) };
    default:
      return { ...live, logs: log('error', JSON.stringify((event as { data?: unknown }).data)) };
  }
}

/** The run's epochs as stored (GET /runs/:id) with the ones the stream has added since. */
export function mergeEpochs(stored: EpochView[], live: EpochView[]): EpochView[] {
  const byEpoch = new Map(stored.map((e) => [e.epoch, e]));
  for (const e of live) byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** The run keeps one checkpoint of each kind (latest, best): the most recently saved of each, stored or streamed. */
export function mergeCheckpoints(stored: Checkpoint[], live: Checkpoint[]): Checkpoint[] {
  const byKind = new Map<string, Checkpoint>();
  for (const c of [...stored, ...live]) {
    const known = byKind.get(c.kind);
    if (!known || (c.createdAt ?? '') >= (known.createdAt ?? '')) byKind.set(c.kind, c);
  }
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}
