import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';
import { malformedEvent, type RunEvent } from '../domain/run-event.ts';

export interface EventStreamConsumerOptions {
  /** Consumer group name; every api replica joins the same one, so each event is persisted once. */
  group?: string;
  /** Entries a dead replica held longer than this are taken over. Default 30 s. */
  claimIdleMs?: number;
  /** How long one blocking read waits for new entries. Default 1 s (also bounds shutdown latency). */
  blockMs?: number;
  batchSize?: number;
  /** This consumer's name in the group; default `<host>-<pid>`, so a restarted api gets a new one. */
  consumer?: string;
  /**
   * Whether a handler's error is the event's own fault (data the database refuses) rather than the
   * database being away. Such an event is tried three times, then dead-lettered; any other error is
   * retried for as long as it takes. Default: no error is the event's fault.
   */
  isPermanent?(error: unknown): boolean;
  /** The first wait before an event is tried again (doubling up to retryMaxMs). Default 250 ms. */
  retryMinMs?: number;
  /** Default 5 s. */
  retryMaxMs?: number;
  /** Told of every event set aside in the dead-letter stream (for a metric). */
  onDeadLetter?(reason: string): void;
}

/** Whether events are being stored, and since when not (for /readyz). */
export interface ConsumerHealth {
  running: boolean;
  /** When storing or reading began to fail, if it is failing now. */
  failingSince?: Date;
  lastError?: string;
}

interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const PERMANENT_TRIES = 3;

/** The time part of a stream entry id (`<ms>-<n>`). */
const idTime = (id: string) => Number(id.split('-')[0]);

/** Orders two stream entry ids. */
function compareIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am! - bm! || an! - bn!;
}

/** [k1, v1, k2, v2] → [[k1, v1], [k2, v2]] (Redis' flat replies). */
const chunk = (flat: unknown[]): [string, unknown][] =>
  Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), flat[2 * i + 1]]);
const LOG_EVERY_MS = 30_000;

/**
 * Reads the event stream through a consumer group and hands each event to `handle`, in order. An entry
 * is acknowledged only after `handle` resolved, so an api that dies mid-write leaves it pending and it
 * is delivered again (to this replica at restart, or to another after claimIdleMs): handlers must be
 * idempotent. A handler that fails (the database is away) is retried with backoff for as long as it
 * takes, holding back the events behind it: none is skipped. Only an event that can never be stored
 * (malformed, or refused for its data) goes to the dead-letter stream. If Redis lost the group (a
 * restart without its data), it is created again.
 */
export class EventStreamConsumer {
  private running = false;
  private loop?: Promise<void>;
  private readonly group: string;
  private readonly consumer: string;
  private stopping = new AbortController();
  private failingSince?: Date;
  private lastError?: string;
  private lastLogged = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly handle: (event: RunEvent) => Promise<void>,
    private readonly log: Logger,
    private readonly opts: EventStreamConsumerOptions = {},
  ) {
    this.group = opts.group ?? 'api-persist';
    this.consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.stopping = new AbortController();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.loop;
  }

  health(): ConsumerHealth {
    return { running: this.running, failingSince: this.failingSince, lastError: this.lastError };
  }

  /**
   * The time (ms since the epoch) up to which every entry of the stream has been stored and
   * acknowledged by the group: an event published before it is in the database (or dead-lettered).
   * Undefined while events cannot be stored.
   */
  async storedUpTo(): Promise<number | undefined> {
    if (this.failingSince || !this.running) return undefined;
    const [count, oldest] = (await this.redis.xpending(this.keys.eventStream, this.group)) as [number, string | null];
    if (count > 0 && oldest) return idTime(oldest) - 1;
    const stream = Object.fromEntries(chunk((await this.redis.xinfo('STREAM', this.keys.eventStream)) as unknown[]));
    const groups = (await this.redis.xinfo('GROUPS', this.keys.eventStream)) as unknown[][];
    const group = groups.map((g) => Object.fromEntries(chunk(g))).find((g) => g.name === this.group);
    if (!group) return undefined;
    const delivered = String(group['last-delivered-id']);
    // Nothing pending and everything delivered: stored up to now.
    if (compareIds(delivered, String(stream['last-generated-id'])) >= 0) return Date.now();
    return idTime(delivered);
  }

  private async ensureGroup(): Promise<void> {
    await this.redis.xgroup('CREATE', this.keys.eventStream, this.group, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
  }

  private async run(): Promise<void> {
    // Our own unacknowledged entries first (from before a restart), then new ones.
    let cursor = '0';
    let lastClaim = 0;
    let delay = this.opts.retryMinMs ?? 250;
    while (this.running) {
      try {
        if (Date.now() - lastClaim > (this.opts.claimIdleMs ?? 30_000)) {
          lastClaim = Date.now();
          await this.claimAbandoned();
        }
        const reply = (await this.redis.xreadgroup(
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          this.opts.batchSize ?? 200,
          'BLOCK',
          this.opts.blockMs ?? 1000,
          'STREAMS',
          this.keys.eventStream,
          cursor,
        )) as [string, [string, string[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (cursor === '0' && entries.length === 0) cursor = '>';
        await this.process(entries);
        delay = this.opts.retryMinMs ?? 250;
      } catch (error) {
        if (!this.running) break;
        cursor = '0'; // re-read what we were handed but did not acknowledge
        if ((error as Error).message?.includes('NOGROUP')) {
          // Redis restarted without its data: the stream and the group are gone; workers' new events
          // will create the stream again, and the group must read it from its first entry.
          this.log.warn({ group: this.group }, 'the event stream or its consumer group was missing; created again');
          await this.ensureGroup().catch((e: unknown) => this.failing(e, 'event stream group could not be created'));
          continue;
        }
        this.failing(error, 'event stream read failed; retrying');
        await this.pause(delay);
        delay = Math.min(delay * 2, this.opts.retryMaxMs ?? 5000);
      }
    }
  }

  private async claimAbandoned(): Promise<void> {
    const reply = (await this.redis.xautoclaim(
      this.keys.eventStream,
      this.group,
      this.consumer,
      this.opts.claimIdleMs ?? 30_000,
      '0',
      'COUNT',
      500,
    )) as [string, [string, string[]][]];
    await this.process(reply[1] ?? []);
  }

  private async process(entries: [string, string[] | null][]): Promise<void> {
    for (const [id, fields] of entries) {
      if (!this.running) return; // left pending: read again at the next start
      // A trimmed entry comes back with null fields: nothing left to persist.
      const body = fields?.[fields.indexOf('event') + 1];
      if (body !== undefined && !(await this.deliver(id, body))) return;
      await this.redis.xack(this.keys.eventStream, this.group, id);
    }
  }

  /** Stores one entry, retrying until it is stored or set aside; false when stopped first (left pending). */
  private async deliver(id: string, body: string): Promise<boolean> {
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      await this.deadLetter(id, body, 'not JSON');
      return true;
    }
    const malformed = malformedEvent(event);
    if (malformed) {
      await this.deadLetter(id, body, malformed);
      return true;
    }
    let delay = this.opts.retryMinMs ?? 250;
    let refusals = 0;
    while (this.running) {
      try {
        await this.handle(event as RunEvent);
        this.healthy();
        return true;
      } catch (error) {
        if (!this.running) return false;
        if (this.opts.isPermanent?.(error) && ++refusals >= PERMANENT_TRIES) {
          await this.deadLetter(id, body, `refused by the database: ${(error as Error).message}`);
          return true;
        }
        this.failing(error, 'event could not be stored; retrying it (it stays pending, nothing behind it is skipped)', {
          entry: id,
        });
        await this.pause(delay);
        delay = Math.min(delay * 2, this.opts.retryMaxMs ?? 5000);
      }
    }
    return false;
  }

  private async deadLetter(id: string, body: string, reason: string): Promise<void> {
    await this.redis.xadd(
      this.keys.deadLetterStream,
      'MAXLEN',
      '~',
      100_000,
      '*',
      'entry',
      id,
      'reason',
      reason,
      'event',
      body,
    );
    this.log.error(
      { entry: id, reason, event: body.slice(0, 500) },
      'event can never be stored; set aside in the dead-letter stream',
    );
    this.opts.onDeadLetter?.(reason);
  }

  /** Records a failure; logs it when it starts, then at most every 30 s while it lasts. */
  private failing(error: unknown, message: string, context: object = {}): void {
    this.failingSince ??= new Date();
    this.lastError = (error as Error)?.message ?? String(error);
    if (Date.now() - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = Date.now();
    this.log.error({ err: error, failingSince: this.failingSince, ...context }, message);
  }

  private healthy(): void {
    if (this.failingSince)
      this.log.warn({ failedFor: Date.now() - this.failingSince.getTime() }, 'events are stored again');
    this.failingSince = undefined;
    this.lastError = undefined;
    this.lastLogged = 0;
  }

  /** Waits, but no longer than until stop(). */
  private pause(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
