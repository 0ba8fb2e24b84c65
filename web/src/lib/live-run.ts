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
  const data = event.data;
  const log = (level: string, message: string): LogLine[] => [...live.logs, { seq: event.seq, time: event.time, level, message }].slice(-MAX_LOG_LINES);
  switch (event.type) {
    case 'epoch': {
      const epoch = data as unknown as EpochView;
      const epochs = [...live.epochs.filter((e) => e.epoch !== epoch.epoch), epoch].sort((a, b) => a.epoch - b.epoch);
      return { ...live, epochs };
    }
    case 'batch':
      return { ...live, batch: data as unknown as BatchProgress };
    case 'checkpoint':
      return { ...live, checkpoints: [...live.checkpoints, { ...(data as unknown as Checkpoint), createdAt: event.time }] };
    case 'evaluation':
      return { ...live, evaluation: data as unknown as Evaluation };
    case 'status': {
      const status = data.status as RunStatus;
      const error = data.error as { message?: string } | undefined;
      const detail = [data.backend && `backend ${String(data.backend)}`, data.reason && String(data.reason), error?.message].filter(Boolean).join('; ');
      return { ...live, status, logs: log(status === 'failed' ? 'error' : 'info', `status: ${status}${detail ? ` (${detail})` : ''}`) };
    }
    case 'log':
      return { ...live, logs: log(String(data.level ?? 'info'), String(data.message ?? JSON.stringify(data))) };
    default:
      return { ...live, logs: log('error', JSON.stringify(data)) };
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
