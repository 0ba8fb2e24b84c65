import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long a claim lives without renewal, and how often a training worker renews it. */
export const RUN_OWNER_TTL_MS = 15_000;
const RENEW_EVERY_MS = 5_000;

// Deletes the key only while it still names this holder (a later attempt elsewhere may hold it by now).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export interface RunOwnerClaim {
  release(): Promise<void>;
}

/**
 * Claims a run for as long as this worker trains it (`keys.runOwner`): a key with a short TTL, renewed
 * while the job runs and deleted when it ends. The api's reconciler reads it before it marks a run whose
 * BullMQ job is missing as lost: if Redis lost its data while a worker trains on, the key is back
 * within one renewal, and the run is left to finish.
 */
export async function claimRun(redis: Redis, key: string, holder: string, log: Logger): Promise<RunOwnerClaim> {
  const renew = () =>
    redis.set(key, holder, 'PX', RUN_OWNER_TTL_MS).catch((error: unknown) => {
      log.warn({ err: error }, 'could not renew the claim on the run (Redis unreachable?)');
    });
  await renew();
  const timer = setInterval(renew, RENEW_EVERY_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, holder).catch(() => undefined);
    },
  };
}
