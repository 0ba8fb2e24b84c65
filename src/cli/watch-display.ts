import type { RunEvent, StatusData } from '../domain/run-event.ts';
import { batchLine, epochHeader, epochLine, fitWidth, formatMetrics } from './render/progress.ts';

/** Where the display writes: a terminal redraws one progress line; anything else gets whole lines. */
export interface DisplayTarget {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

const CLEAR_LINE = '\r\x1b[K';

/**
 * Turns a run's events into what Keras' `fit(verbose=1)` prints: `Epoch i/n`, a progress bar
 * redrawn after each batch, then the epoch's line with its validation metrics. When the output is
 * not a terminal (CI logs, pipes) there is no redrawing: only the header and the epoch line.
 */
export class WatchDisplay {
  private epochShown = 0;
  /** Batches per epoch, learned from batch events, for the bar of the epoch's final line. */
  private batches: number | undefined;
  /** Whether a progress line is on screen without its newline. */
  private lineOpen = false;

  constructor(private readonly out: DisplayTarget) {}

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'status':
        return this.status(event.data);
      case 'batch': {
        const d = event.data;
        this.header(d.epoch, d.epochs);
        this.batches = d.batches;
        if (this.out.isTTY) {
          this.out.write(CLEAR_LINE + fitWidth(batchLine(d), this.out.columns));
          this.lineOpen = true;
        }
        return;
      }
      case 'epoch':
        this.header(event.data.epoch, event.data.epochs);
        return this.line(epochLine(event.data, this.batches));
      case 'log':
        return this.line(
          `${event.data.level && event.data.level !== 'info' ? `${event.data.level}: ` : ''}${event.data.message}`,
        );
      case 'evaluation':
        return this.line(
          `Evaluation on ${event.data.samples ?? '?'} test samples${formatMetrics(event.data.metrics ?? {})}`,
        );
      case 'checkpoint':
        return;
    }
  }

  /** Ends an open progress line, e.g. before a prompt. */
  closeLine(): void {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }

  private header(epoch: number, epochs?: number): void {
    if (epoch === this.epochShown) return;
    this.epochShown = epoch;
    this.line(epochHeader(epoch, epochs));
  }

  private line(text: string): void {
    this.out.write(`${this.lineOpen ? CLEAR_LINE : ''}${text}\n`);
    this.lineOpen = false;
  }

  private status(d: StatusData): void {
    switch (d.status) {
      case 'queued':
        return this.line(d.reason ? `Queued again: ${d.reason}` : 'Queued');
      case 'running':
        return this.line(`Running${d.backend ? ` on ${d.backend}${d.device ? ` (${d.device})` : ''}` : ''}`);
      case 'succeeded':
        return this.line(`Succeeded${d.stoppedEarly ? ' (stopped early)' : ''}`);
      case 'failed':
        return this.line(`Failed: ${d.error?.code ? `${d.error.code}: ` : ''}${d.error?.message ?? 'unknown error'}`);
      case 'canceled':
        return this.line('Canceled');
    }
  }
}
