import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it: commands wait for a reconnect instead of failing
 * (maxRetriesPerRequest: null), which blocking calls in workers and stream readers need.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
  });
}

/** Resolves once Redis answers PING, or rejects with a message saying how to provide it. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${url} (${(error as Error).message}). Start one (e.g. \`redis-server\` or ` +
        '`docker run -p 6379:6379 redis:7`) or point REDIS_URL at yours.',
    );
  } finally {
    probe.disconnect();
  }
}
