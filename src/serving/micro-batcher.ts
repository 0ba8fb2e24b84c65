import { servingErrors } from './errors.ts';
import type { OutputRows } from './types.ts';

/** One request's rows: a flat buffer per input, and the shape of one row of each. */
export interface BatchRequest {
  count: number;
  inputs: Float32Array[];
  rowShapes: number[][];
}

export interface MicroBatcherOptions {
  /** Most instances run together; 1 runs every request on its own, at once. */
  maxSize: number;
  /** How long the first waiting request waits for company before its batch runs anyway. */
  timeoutMs: number;
  /**
   * Most instances that may wait (the running batch not counted); a request beyond is refused at once
   * with a 503 (KILN_SERVING_MAX_QUEUE). An empty queue takes any request. Default: no bound.
   */
  maxQueue?: number;
  /** The model's name in messages. */
  label?: string;
  /**
   * Batches that may run at once (the inference threads); default 1. Beyond it requests queue and fill
   * the next batch.
   */
  concurrency?: number;
  /** Told as each batch starts: its instances, and how long each of its requests waited in the queue. */
  onBatch?(instances: number, queueSeconds: number[]): void;
}

interface Pending {
  request: BatchRequest;
  key: string;
  /** performance.now() at submit. */
  queuedAt: number;
  resolve(outputs: OutputRows[]): void;
  reject(error: unknown): void;
}

/**
 * Joins concurrent predict requests for one model into batches. An idle model runs a request at once
 * (waiting would only add latency when no one else is coming); requests that arrive while a batch runs
 * queue up and run together as the next batch, which waits up to timeoutMs more to fill to maxSize
 * (only then, when the model is busy and company is likely). Each model has its own batcher and
 * batches start from timers and setImmediate, so batches of different models interleave instead of
 * one model's queue running to the end before another's request is looked at.
 */
export class MicroBatcher {
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches running now. */
  private running = 0;
  private scheduled = false;
  /** How long the last batch ran, to tell a refused client when the queue will have drained. */
  private lastBatchMs = 0;
  /** Batches run and instances in them so far, to see how well requests are joined. */
  readonly stats = { batches: 0, instances: 0 };

  constructor(
    private readonly run: (batch: BatchRequest) => Promise<OutputRows[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  /**
   * Runs the request's rows (with others' when batching) and resolves with its own output rows. Rejects
   * at once with a 503 when the queue is full: waiting longer and longer would only time clients out.
   */
  submit(request: BatchRequest): Promise<OutputRows[]> {
    const max = this.options.maxQueue ?? Infinity;
    if (this.queued > 0 && this.queued + request.count > max) {
      const batchesAhead = Math.ceil(this.queued / this.options.maxSize) + 1;
      const retryAfter = Math.max(1, Math.ceil((batchesAhead * this.lastBatchMs) / 1000));
      return Promise.reject(servingErrors.queueFull(this.options.label ?? 'model', this.queued, max, retryAfter));
    }
    return new Promise((resolve, reject) => {
      const key = request.rowShapes.map((s) => s.join('x')).join('|');
      this.queue.push({ request, key, queuedAt: performance.now(), resolve, reject });
      this.queued += request.count;
      this.schedule();
    });
  }

  /** Arranges the next flush: at once when idle or full, else after timeoutMs of filling when busy. */
  private schedule(afterBatch = false): void {
    if (this.busy() || this.scheduled || this.queue.length === 0) return;
    const full = this.options.maxSize <= 1 || this.options.timeoutMs <= 0 || this.queued >= this.options.maxSize;
    if (full || !afterBatch) {
      if (this.timer && !full) return; // already filling after a batch: the timer decides
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduled = true;
        void this.flush();
      }, this.options.timeoutMs);
    }
  }

  /** Whether every batch slot is taken. */
  private busy(): boolean {
    return this.running >= (this.options.concurrency ?? 1);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.busy() || this.queue.length === 0) return;
    // Take the oldest request and those after it of the same row shapes, up to maxSize instances.
    const first = this.queue[0]!;
    const group: Pending[] = [first];
    let count = first.request.count;
    for (let i = 1; i < this.queue.length && count < this.options.maxSize; i++) {
      const next = this.queue[i]!;
      if (next.key !== first.key || count + next.request.count > this.options.maxSize) continue;
      group.push(next);
      count += next.request.count;
    }
    const taken = new Set(group);
    this.queue = this.queue.filter((p) => !taken.has(p));
    this.queued -= count;
    this.running++;
    const started = performance.now();
    this.stats.batches++;
    this.stats.instances += count;
    this.options.onBatch?.(
      count,
      group.map((p) => (started - p.queuedAt) / 1000),
    );
    // With a free slot (another inference thread), what is left runs at once beside this batch.
    this.schedule();
    try {
      const outputs = await this.run(
        group.length === 1
          ? first.request
          : concat(
              group.map((p) => p.request),
              count,
            ),
      );
      let row = 0;
      for (const pending of group) {
        pending.resolve(outputs.map((o) => sliceRows(o, row, pending.request.count)));
        row += pending.request.count;
      }
    } catch (error) {
      if (group.length === 1) {
        first.reject(error);
      } else {
        // One request's values (say an index beyond an Embedding's input_dim) fail the whole run; rerun
        // each request alone so only the one at fault fails and the others get their answers.
        for (const pending of group) {
          try {
            pending.resolve(await this.run(pending.request));
          } catch (own) {
            pending.reject(own);
          }
        }
      }
    } finally {
      this.lastBatchMs = performance.now() - started;
      this.running--;
      // What queued up meanwhile runs next (after up to timeoutMs to fill), after other models had a turn.
      this.schedule(true);
    }
  }
}

function concat(requests: BatchRequest[], count: number): BatchRequest {
  const inputs = requests[0]!.inputs.map((_, i) => {
    const out = new Float32Array(requests.reduce((n, r) => n + r.inputs[i]!.length, 0));
    let at = 0;
    for (const r of requests) {
      out.set(r.inputs[i]!, at);
      at += r.inputs[i]!.length;
    }
    return out;
  });
  return { count, inputs, rowShapes: requests[0]!.rowShapes };
}

function sliceRows(output: OutputRows, from: number, count: number): OutputRows {
  const size = output.rowShape.reduce((a, b) => a * b, 1);
  return { ...output, data: output.data.subarray(from * size, (from + count) * size) };
}
