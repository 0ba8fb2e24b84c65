import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../queue/keys.ts';
import type { RunEvent } from '../../domain/run-event.ts';
import type { RunEventsRepository } from '../../store/repositories/run-events.ts';

const PAGE = 1000;

/**
 * A run's events after `since`, in seq order: from the database, then from the run's recent Redis
 * stream for the tail the database may not have persisted yet (the api ingests asynchronously).
 */
export async function* replayEvents(
  stored: RunEventsRepository,
  redis: Redis,
  keys: RedisKeys,
  runId: string,
  since: number,
): AsyncGenerator<RunEvent> {
  const tail = (await redis.xrange(keys.runStream(runId), '-', '+')).map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as RunEvent,
  );
  const firstInRedis = tail[0]?.seq ?? Infinity;
  let cursor = since;
  while (cursor + 1 < firstInRedis) {
    const rows = await stored.list(runId, {
      after: cursor,
      before: firstInRedis === Infinity ? undefined : firstInRedis,
      limit: PAGE,
    });
    for (const event of rows) {
      yield event;
      cursor = event.seq;
    }
    if (rows.length < PAGE) break;
  }
  for (const event of tail) if (event.seq > cursor) yield event;
}
