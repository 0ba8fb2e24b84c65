// Writes TensorBoard event files (events.out.tfevents.*) that the stock `tensorboard --logdir` reads.
// I/O is synchronous: events are small and few (per epoch/batch), and a sync writer cannot interleave records
// or lose buffered ones if the process exits between an await and a flush.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, type SummaryValue, type TfEvent } from './event-proto.ts';
import { buildHistogram } from './histogram.ts';
import { frameRecord } from './record-writer.ts';

/** The `file_version` TensorBoard expects in the first event of every file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** Options for `EventFileWriter`; the defaults suit production, the overrides suit tests. */
export interface EventFileWriterOptions {
  /** Host name embedded in the file name; defaults to `os.hostname()`. */
  hostname?: string;
  /** Current time in fractional Unix seconds; defaults to `Date.now() / 1000`. */
  now?: () => number;
  /** Events buffered in memory before they are written out automatically (TensorFlow's `max_queue`, default 10). */
  maxQueue?: number;
}

/** Appends scalar and histogram summaries to one new event file inside a run directory. */
export class EventFileWriter {
  /** Absolute or relative path of the event file, as built from the log directory. */
  readonly path: string;
  private fd: number | undefined;
  private pending: Uint8Array[] = [];
  private readonly now: () => number;
  private readonly maxQueue: number;

  /** Creates `logDir` if needed and a new `events.out.tfevents.<unix seconds>.<hostname>` file in it. */
  constructor(logDir: string, options: EventFileWriterOptions = {}) {
    this.now = options.now ?? (() => Date.now() / 1000);
    this.maxQueue = options.maxQueue ?? 10;
    mkdirSync(logDir, { recursive: true });
    const wallTime = this.now();
    const base = `events.out.tfevents.${String(Math.floor(wallTime)).padStart(10, '0')}.${options.hostname ?? osHostname()}`;
    ({ path: this.path, fd: this.fd } = createUnique(logDir, base));
    this.write({ wallTime, step: 0, fileVersion: EVENT_FILE_VERSION });
    this.flush();
  }

  /** Records a scalar (shown in TensorBoard's Scalars tab); `value` is stored as float32 like TensorFlow does. */
  scalar(tag: string, value: number, step: number, wallTime?: number): void {
    this.summary([{ tag, simpleValue: value }], step, wallTime);
  }

  /** Records the distribution of `values` with TensorFlow's default buckets (Histograms and Distributions tabs). */
  histogram(tag: string, values: Float32Array | number[], step: number, wallTime?: number): void {
    this.summary([{ tag, histo: buildHistogram(values) }], step, wallTime);
  }

  /** Records several summary values as one event, e.g. all metrics of an epoch. */
  summary(values: SummaryValue[], step: number, wallTime?: number): void {
    if (!Number.isSafeInteger(step)) throw new RangeError(`step must be an integer, got ${step}`);
    this.write({ wallTime: wallTime ?? this.now(), step, summary: { values } });
    if (this.pending.length >= this.maxQueue) this.flush();
  }

  /** Writes buffered events to the file and syncs it to disk, so a reader or uploader sees them. */
  flush(): void {
    const fd = this.openFd();
    for (const record of this.pending) writeAll(fd, record);
    this.pending = [];
    fsyncSync(fd);
  }

  /** Flushes and closes the file; later writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private write(event: TfEvent): void {
    this.openFd();
    this.pending.push(frameRecord(encodeEvent(event)));
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`event file ${this.path} is closed`);
    return this.fd;
  }
}

/** Opens `base` exclusively, adding `.1`, `.2`, ... when a writer created the same name in the same second. */
function createUnique(dir: string, base: string): { path: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, attempt === 0 ? base : `${base}.${attempt}`);
    try {
      return { path, fd: openSync(path, 'wx') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}
