// A throwaway Kiln installation for a bench part: its own data directory and Redis key prefix,
// both removed afterwards, so benches never touch a real installation's data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface ScratchInstall {
  dataDir: string;
  prefix: string;
  /** Deletes the Redis keys under the prefix and the data directory. */
  remove(redisUrl: string): Promise<void>;
}

export async function scratchInstall(): Promise<ScratchInstall> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-bench-'));
  const prefix = `kiln-bench-${Date.now().toString(36)}`;
  return {
    dataDir,
    prefix,
    async remove(redisUrl) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
