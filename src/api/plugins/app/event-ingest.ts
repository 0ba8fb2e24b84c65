import fp from 'fastify-plugin';
import { EventStreamConsumer } from '../../../queue/event-stream-consumer.ts';
import { RunReconciler } from '../../services/run-reconciler.ts';
import { isTerminal, type RunStatus } from '../../../domain/run-status.ts';

/**
 * Persists what workers report: reads the event stream (consumer group shared by api replicas)
 * into the database, and reconciles runs whose job ended without a final event.
 */
export default fp(
  async (app) => {
    const redis = app.redis.duplicate({ connectionName: 'kiln-api-events' });
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
    );
    async function recordRunEnd(runId: string, status: RunStatus) {
      app.metrics.runsFinished.inc({ status });
      const run = await app.repos.runs.find(runId);
      if (run?.startedAt && run.finishedAt)
        app.metrics.runDurationSeconds.observe({ status }, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
    }
    const reconciler = new RunReconciler({
      runs: app.repos.runs,
      runEvents: app.repos.runEvents,
      queue: app.trainingQueue,
      publisher: app.events,
      log: app.log,
    });
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
  { name: 'event-ingest', dependencies: ['repositories', 'redis', 'queue', 'metrics'] },
);
