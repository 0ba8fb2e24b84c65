import type { RunEvent, StatusData } from '../../domain/run-event.ts';
import { formatMetrics } from './progress.ts';

/** What an event says, in one line without its time (undefined for events not worth a line). */
function describeEvent(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'status':
      return `${event.data.status}${statusDetail(event.data)}`;
    case 'epoch': {
      const d = event.data;
      return `epoch ${d.epoch}/${d.epochs ?? '?'} - ${Math.round((d.durationMs ?? 0) / 1000)}s${formatMetrics(d.metrics ?? {})}`;
    }
    case 'batch':
      return `batch ${event.data.batch}/${event.data.batches} of epoch ${event.data.epoch}${formatMetrics(event.data.metrics ?? {})}`;
    case 'checkpoint':
      return `checkpoint saved${event.data.epoch !== undefined ? ` at epoch ${event.data.epoch}` : ''}`;
    case 'evaluation':
      return `evaluation on ${event.data.samples ?? '?'} test samples${formatMetrics(event.data.metrics ?? {})}`;
    case 'log':
      return `${event.data.level ?? 'info'}: ${event.data.message}`;
    default:
      return `${(event as { type: string }).type} ${JSON.stringify((event as { data?: unknown }).data ?? {})}`;
  }
}

/** What follows a status word: where it runs, why it failed or went back to the queue. */
function statusDetail(d: StatusData): string {
  switch (d.status) {
    case 'running':
      return d.backend ? ` on ${d.backend}${d.device ? ` (${d.device})` : ''}` : '';
    case 'failed':
      return d.error ? `: ${d.error.code ? `${d.error.code}: ` : ''}${d.error.message ?? ''}` : '';
    case 'queued':
      return d.reason ? `: ${d.reason}` : '';
    case 'succeeded':
      return d.stoppedEarly ? ' (stopped early)' : '';
    default:
      return '';
  }
}

/** `12:01:07  status      running on wasm` */
export function eventLine(event: RunEvent): string | undefined {
  const text = describeEvent(event);
  if (text === undefined) return undefined;
  const time = new Date(event.time);
  const clock = Number.isNaN(time.getTime()) ? '' : time.toTimeString().slice(0, 8);
  return `${clock}  ${event.type.padEnd(10)}  ${text}`;
}
