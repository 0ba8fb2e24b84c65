import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../queue/keys.ts';
import type { RunEvent } from '../../domain/run-event.ts';

export type EventListener = (event: RunEvent) => void;

/**
 * Live fan-out in one api replica: a single blocking reader on the event stream hands every new
 * event to the local subscribers of its run (and to subscribers of every run). Each replica reads the
 * whole stream itself, so any replica can serve any run's watchers.
 */
export class EventHub {
  private readonly byRun = new Map<string, Set<EventListener>>();
  private readonly everyRun = new Set<EventListener>();
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  async start(): Promise<void> {
    // Start at the stream's current end: history comes from replay, not from here.
    const last = (await this.redis.xrevrange(this.keys.eventStream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    this.running = true;
    this.loop = this.run(last);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.redis.disconnect(); // interrupts the blocking read at once
    await this.loop;
  }

  /** Listens to one run's live events (or every run's with '*'); returns the unsubscribe function. */
  subscribe(runId: string | '*', listener: EventListener): () => void {
    if (runId === '*') {
      this.everyRun.add(listener);
      return () => this.everyRun.delete(listener);
    }
    const set = this.byRun.get(runId) ?? new Set();
    set.add(listener);
    this.byRun.set(runId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byRun.delete(runId);
    };
  }

  /** How many listeners are attached (for metrics and tests). */
  get listenerCount(): number {
    let n = this.everyRun.size;
    for (const set of this.byRun.values()) n += set.size;
    return n;
  }

  private async run(from: string): Promise<void> {
    let cursor = from;
    while (this.running) {
      try {
        const reply = (await this.redis.xread(
          'COUNT',
          500,
          'BLOCK',
          1000,
          'STREAMS',
          this.keys.eventStream,
          cursor,
        )) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) {
          cursor = id;
          const body = fields[fields.indexOf('event') + 1];
          if (body) this.dispatch(JSON.parse(body) as RunEvent);
        }
      } catch (error) {
        if (!this.running) break;
        this.log.warn({ err: error }, 'live event read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private dispatch(event: RunEvent): void {
    for (const listener of this.byRun.get(event.runId) ?? []) listener(event);
    for (const listener of this.everyRun) listener(event);
  }
}
