import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import { QUEUES, type ControlMessage, type TrainJobPayload, type TrainJobResult } from '../../../queue/contracts.ts';
import { EventPublisher } from '../../../queue/event-publisher.ts';

declare module 'fastify' {
  interface FastifyInstance {
    trainingQueue: Queue<TrainJobPayload, TrainJobResult>;
    events: EventPublisher;
    /** Tells every worker something (e.g. to cancel a run it holds). */
    sendControl(message: ControlMessage): Promise<void>;
  }
}

/** The producer side of the training queue, the event publisher and the control channel. */
export default fp(
  async (app) => {
    const queue = new Queue<TrainJobPayload, TrainJobResult>(QUEUES.training, {
      connection: app.redis,
      prefix: app.redisKeys.bullPrefix,
      defaultJobOptions: {
        attempts: app.config.KILN_JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    });
    queue.on('error', (error) => app.log.warn({ err: error }, 'queue error'));
    app.decorate('trainingQueue', queue);
    app.decorate('events', new EventPublisher(app.redis, app.redisKeys));
    app.decorate('sendControl', async (message: ControlMessage) => {
      await app.redis.publish(app.redisKeys.controlChannel, JSON.stringify(message));
    });
    app.addHook('onClose', async () => {
      await queue.close();
    });
  },
  { name: 'queue', dependencies: ['redis'] },
);
