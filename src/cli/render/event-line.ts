import type { RunEvent } from '../event-stream.ts';
import { formatMetrics } from './progress.ts';

/** What an event says, in one line without its time (undefined for events not worth a line). */
export function describeEvent(event: RunEvent): string | undefined {
  const d = event.data ?? {};
  switch (event.type) {
    case 'status': {
      const extra =
        d.status === 'running' && d.backend ? ` on ${d.backend}${d.device ? ` (${d.device})` : ''}`
        : d.status === 'failed' && d.error ? `: ${d.error.code ? `${d.error.code}: ` : ''}${d.error.message ?? ''}`
        : d.reason ? `: ${d.reason}`
        : d.stoppedEarly ? ' (stopped early)'
        : '';
      return `${d.status}${extra}`;
    }
    case 'epoch':
      return `epoch ${d.epoch}/${d.epochs ?? '?'} - ${Math.round((d.durationMs ?? 0) / 1000)}s${formatMetrics(d.metrics ?? {})}`;
    case 'batch':
      return `batch ${d.batch}/${d.batches} of epoch ${d.epoch}${formatMetrics(d.metrics ?? {})}`;
    case 'checkpoint':
      return `checkpoint saved${d.epoch !== undefined ? ` at epoch ${d.epoch}` : ''}`;
    case 'evaluation':
      return `evaluation on ${d.samples ?? '?'} test samples${formatMetrics(d.metrics ?? {})}`;
    case 'log':
      return `${d.level ?? 'info'}: ${d.message}`;
    default:
      return `${event.type} ${JSON.stringify(d)}`;
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
