import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';
import { isFinalEvent, type RunEvent, type RunEventDraft } from '../domain/run-event.ts';

// INCR and XADD in one script: the seq and the stream position are taken together, so two publishers
// of one run (an old worker still finishing, a new one starting) can never interleave out of order.
// The seq is spliced into the JSON text rather than decoded and re-encoded: Lua's cjson would round
// numbers to 14 digits and turn empty objects into arrays. A counter that is missing although the run
// has published before (Redis restarted without its data) starts from the floor the caller knows of,
// so no seq is ever given twice.
const PUBLISH_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[6]) end
local seq = redis.call('INCR', KEYS[2])
local body = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'run', ARGV[3], 'seq', seq, 'event', body)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'seq', seq, 'event', body)
redis.call('EXPIRE', KEYS[3], ARGV[5])
return body
`;

/** Gives events their sequence number and appends them to the event stream. Used by workers and by
 *  the api for the few events it originates (e.g. cancelling a queued run). */
export class EventPublisher {
  /** The highest seq this publisher was given per run still going: the floor if Redis loses the counter. */
  private readonly lastSeq = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly opts: { maxLen?: number; runMaxLen?: number; runTtlSeconds?: number } = {},
  ) {}

  /**
   * Numbers an event and appends it. `floor`: the highest seq the caller knows the run to have (e.g.
   * the highest stored one), used only if Redis lost the run's counter.
   */
  async publish(runId: string, draft: RunEventDraft, floor = 0): Promise<RunEvent> {
    const event = { runId, type: draft.type, time: draft.time ?? new Date().toISOString(), data: draft.data };
    const body = (await this.redis.eval(
      PUBLISH_SCRIPT,
      3,
      this.keys.eventStream,
      this.keys.eventSeq(runId),
      this.keys.runStream(runId),
      JSON.stringify(event),
      String(this.opts.maxLen ?? 1_000_000),
      runId,
      String(this.opts.runMaxLen ?? 20_000),
      // A run's recent stream outlives its last event by a week: long enough for any late watcher,
      // short enough that Redis does not keep every run's events forever (the database has them).
      // The seq counter stays (a few bytes) so numbering never restarts; deleting the run removes it.
      String(this.opts.runTtlSeconds ?? 7 * 24 * 3600),
      String(Math.max(floor, this.lastSeq.get(runId) ?? 0)),
    )) as string;
    const published = JSON.parse(body) as RunEvent;
    this.remember(published);
    return published;
  }

  private remember(event: RunEvent): void {
    this.lastSeq.delete(event.runId);
    if (!isFinalEvent(event)) this.lastSeq.set(event.runId, event.seq);
    // A long-lived worker publishes for many runs: keep the most recent ones.
    if (this.lastSeq.size > 10_000) this.lastSeq.delete(this.lastSeq.keys().next().value!);
  }

  /** Forgets a deleted run: its seq counter and its recent stream (its entries in the shared stream age out). */
  async forget(runId: string): Promise<void> {
    await this.redis.del(this.keys.eventSeq(runId), this.keys.runStream(runId));
  }

  /** Appends an already-numbered event again: what a redelivery looks like (used by tests and replays). */
  async republish(event: RunEvent): Promise<void> {
    await this.redis.xadd(
      this.keys.eventStream,
      '*',
      'run',
      event.runId,
      'seq',
      String(event.seq),
      'event',
      JSON.stringify(event),
    );
  }
}
