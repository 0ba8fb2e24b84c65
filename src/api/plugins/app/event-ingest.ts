import fp from 'fastify-plugin';
import { isTerminal, type RunStatus } from '../../../domain/run-status.ts';
import { EventStreamConsumer, type ConsumerHealth } from '../../../queue/event-stream-consumer.ts';
import { isDataRefusal } from '../../../store/errors.ts';
import { RunReconciler } from '../../services/run-reconciler.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether the events workers report are being stored (for /readyz). */
    eventIngest: { health(): ConsumerHealth };
  }
}

/**
 * Persists what workers report: reads the event stream (consumer group shared by api replicas) into
 * the database, exactly once per event, and reconciles runs whose job ended or vanished without a
 * stored final event.
 */
export default fp(
  async (app) => {
    const redis = app.redisConnection('kiln-api-events');
    async function recordRunEnd(runId: string, status: RunStatus) {
      app.metrics.runsFinished.inc({ status });
      const run = await app.repos.runs.find(runId);
      if (run?.startedAt && run.finishedAt)
        app.metrics.runDurationSeconds.observe({ status }, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
    }
    const consumer = new EventStreamConsumer(
      redis,
      app.redisKeys,
      async (event) => {
        const result = await app.repos.runEvents.record(event);
        if (result === 'duplicate') return;
        app.metrics.eventLagSeconds.observe(Math.max(0, (Date.now() - Date.parse(event.time)) / 1000));
        if (result === 'applied' && event.type === 'status') {
          const { status } = event.data;
          app.log.info({ runId: event.runId, seq: event.seq, status }, 'run status');
          if (isTerminal(status)) await recordRunEnd(event.runId, status);
        }
      },
      app.log,
      { isPermanent: isDataRefusal, onDeadLetter: () => app.metrics.eventsDeadLettered.inc() },
    );
    app.decorate('eventIngest', { health: () => consumer.health() });

    const reconciler = new RunReconciler(
      {
        runs: app.repos.runs,
        queue: app.trainingQueue,
        emit: app.runs.emit,
        requeue: app.runs.requeue,
        eventsStoredUpTo: () => consumer.storedUpTo(),
        isHeld: async (runId) => (await app.redis.exists(app.redisKeys.runOwner(runId))) === 1,
        log: app.log,
      },
      app.config.KILN_RECONCILE_INTERVAL_MS,
    );
    app.addHook('onReady', async () => {
      await consumer.start();
      reconciler.start();
    });
    // Before Redis and the database close: stop reading, finish the entry in hand.
    app.addHook('preClose', async () => {
      reconciler.stop();
      await consumer.stop();
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'event-ingest', dependencies: ['repositories', 'redis', 'queue', 'metrics', 'runs'] },
);
