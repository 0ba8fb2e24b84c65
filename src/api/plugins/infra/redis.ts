import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../queue/redis.ts';
import { redisKeys, type RedisKeys } from '../../../queue/keys.ts';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    redisKeys: RedisKeys;
  }
}

/** The api's Redis connection (queue, events, control channel), closed last but one at shutdown. */
export default fp(
  async (app) => {
    const redis = createRedis(app.config.REDIS_URL, 'kiln-api');
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis connection error'));
    app.decorate('redis', redis);
    app.decorate('redisKeys', redisKeys(app.config.KILN_QUEUE_PREFIX));
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis', dependencies: ['config'] },
);
