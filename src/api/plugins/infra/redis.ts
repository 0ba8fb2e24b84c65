import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../queue/redis.ts';
import { redisKeys, type RedisKeys } from '../../../queue/keys.ts';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
    redisKeys: RedisKeys;
    /** Another connection like `redis` (for blocking reads), its errors logged; the caller closes it. */
    redisConnection(name: string): Redis;
  }
}

/** Logs a connection's errors, once per outage rather than at every reconnect attempt. */
function logErrors(redis: Redis, name: string, log: { warn(obj: object, msg: string): void }): void {
  let down = false;
  redis.on('error', (error) => {
    if (!down) log.warn({ err: error, connection: name }, 'redis connection error; reconnecting');
    down = true;
  });
  redis.on('ready', () => (down = false));
}

/** The api's Redis connection (queue, events, control channel), closed last but one at shutdown. */
export default fp(
  async (app) => {
    const redis = createRedis(app.config.REDIS_URL, 'kiln-api');
    logErrors(redis, 'kiln-api', app.log);
    app.decorate('redis', redis);
    app.decorate('redisConnection', (name: string) => {
      const connection = redis.duplicate({ connectionName: name });
      logErrors(connection, name, app.log);
      return connection;
    });
    app.decorate('redisKeys', redisKeys(app.config.KILN_QUEUE_PREFIX));
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis', dependencies: ['config'] },
);
