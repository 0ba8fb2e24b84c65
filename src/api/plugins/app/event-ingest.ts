import fp from 'fastify-plugin';
import { EventStreamConsumer } from '../../../queue/event-stream-consumer.ts';
import { recordRunEvent } from '../../../store/repositories/run-events.ts';
import { RunReconciler } from '../../services/run-reconciler.ts';

/**
 * Persists what workers report: reads the event stream (consumer group shared by api replicas)
 * into the database, and reconciles runs whose job ended without a final event.
 */
export default fp(
  async (app) => {
    const redis = app.redis.duplicate({ connectionName: 'kiln-api-events' });
    const consumer = new EventStreamConsumer(redis, app.redisKeys, async (event) => {
      const result = await recordRunEvent(app.db.prisma, event);
      if (result === 'applied' && event.type === 'status') {
        app.log.info({ runId: event.runId, seq: event.seq, status: (event.data as { status: string }).status }, 'run status');
      }
    }, app.log);
    const reconciler = new RunReconciler(app);
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
  { name: 'event-ingest', dependencies: ['database', 'redis', 'queue'] },
);
