import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../src/queue/keys.ts';

const REDIS_URL = process.env.KILN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A connection to the machine's Redis and key prefixes of this test file's own, removed after its last
 * test: `keys` for the file, `keysFor(name)` for a test that needs streams nobody else writes to.
 */
export function useRedisPrefix(): { redis: Redis; keys: RedisKeys; keysFor(name: string): RedisKeys; url: string } {
  const prefix = `kiln-test-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  after(async () => {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });
  return { redis, keys: redisKeys(prefix), keysFor: (name) => redisKeys(`${prefix}-${name}`), url: REDIS_URL };
}
