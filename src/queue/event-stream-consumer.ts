import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';
import type { RunEvent } from '../domain/run-event.ts';

export interface EventStreamConsumerOptions {
  /** Consumer group name; every api replica joins the same one, so each event is persisted once. */
  group?: string;
  /** Entries a dead replica held longer than this are taken over. Default 30 s. */
  claimIdleMs?: number;
  /** How long one blocking read waits for new entries. Default 1 s (also bounds shutdown latency). */
  blockMs?: number;
  batchSize?: number;
  /** Attempts at persisting one entry before it is logged and skipped. Default 5. */
  maxFailures?: number;
  /** This consumer's name in the group; default `<host>-<pid>`, so a restarted api gets a new one. */
  consumer?: string;
}

/**
 * Reads the event stream through a consumer group and hands each event to `handle`; an entry is
 * acknowledged only after `handle` resolved, so an api that dies mid-write leaves it pending and it
 * is delivered again (to this replica at restart, or to another after claimIdleMs). Handlers must
 * therefore be idempotent.
 */
export class EventStreamConsumer {
  private running = false;
  private loop?: Promise<void>;
  private readonly group: string;
  private readonly consumer: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly handle: (event: RunEvent) => Promise<void>,
    private readonly log: { error(obj: object, msg: string): void },
    private readonly opts: EventStreamConsumerOptions = {},
  ) {
    this.group = opts.group ?? 'api-persist';
    this.consumer = opts.consumer ?? `${hostname()}-${process.pid}`;
  }

  async start(): Promise<void> {
    await this.redis.xgroup('CREATE', this.keys.eventStream, this.group, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    // Our own unacknowledged entries first (from before a restart), then new ones.
    let cursor = '0';
    let lastClaim = 0;
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
      } catch (error) {
        if (!this.running) break;
        this.log.error({ err: error }, 'event stream read failed; retrying');
        cursor = '0'; // re-read what we were handed but did not acknowledge
        await new Promise((r) => setTimeout(r, 500));
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

  private readonly failures = new Map<string, number>();

  private async process(entries: [string, string[] | null][]): Promise<void> {
    for (const [id, fields] of entries) {
      // A trimmed entry comes back with null fields: nothing left to persist.
      const body = fields?.[fields.indexOf('event') + 1];
      if (body) {
        try {
          await this.handle(JSON.parse(body) as RunEvent);
        } catch (error) {
          // Retried (the database may be briefly away), but an entry that keeps failing is set aside
          // rather than blocking every event behind it.
          const failures = (this.failures.get(id) ?? 0) + 1;
          this.failures.set(id, failures);
          if (failures < (this.opts.maxFailures ?? 5)) throw error;
          this.log.error(
            { err: error, entry: id, event: body.slice(0, 500) },
            'event could not be persisted; skipping it',
          );
        }
        this.failures.delete(id);
      }
      await this.redis.xack(this.keys.eventStream, this.group, id);
    }
  }
}
