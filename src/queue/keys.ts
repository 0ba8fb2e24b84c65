/** Every Redis key and channel name Kiln uses, derived from one prefix (KILN_QUEUE_PREFIX). */
export function redisKeys(prefix: string) {
  return {
    /** BullMQ's own prefix for its queue keys. */
    bullPrefix: prefix,
    /** One stream holding every run's events in order of arrival; each entry names its run and seq. */
    eventStream: `${prefix}:events`,
    /** Events that can never be stored (malformed), set aside with the reason, for an operator to look at. */
    deadLetterStream: `${prefix}:events:dead`,
    /** A run's own recent events (capped), for replaying the tail the database may not hold yet. */
    runStream: (runId: string) => `${prefix}:run:${runId}:events`,
    /** Per-run counter that hands out event sequence numbers, shared by every worker that ever runs the run. */
    eventSeq: (runId: string) => `${prefix}:run:${runId}:seq`,
    /**
     * Held (with a short TTL, refreshed) by the worker that is training a run: the reconciler marks a
     * run whose job is missing as lost only when no worker holds it (Redis may have lost the job while
     * a worker trains on).
     */
    runOwner: (runId: string) => `${prefix}:run:${runId}:owner`,
    /** Pub/sub channel the api uses to tell workers to cancel a run. */
    controlChannel: `${prefix}:control`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
