import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.ts';

const PG_ADMIN_URL = process.env.KILN_TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.KILN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An isolated Kiln environment for one test file: its own Redis prefix, data directory and database. */
export interface TestEnvironment {
  env: Record<string, string>;
  config: Config;
  dataDir: string;
  cleanup(): Promise<void>;
}

/**
 * Makes a fresh environment on the machine's real Redis and PostgreSQL: a unique queue prefix, a
 * temporary data directory and (unless `database: 'pglite'`) a new PostgreSQL database, all removed
 * again by cleanup().
 */
export async function createTestEnvironment(
  opts: { database?: 'postgresql' | 'pglite'; env?: Record<string, string> } = {},
): Promise<TestEnvironment> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), `kiln-${id}-`));
  const env: Record<string, string> = {
    REDIS_URL,
    KILN_DATA_DIR: dataDir,
    KILN_QUEUE_PREFIX: `kiln-test-${id}`,
    LOG_LEVEL: process.env.KILN_TEST_LOG_LEVEL ?? 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    KILN_LOCK_DURATION_MS: '3000',
    KILN_SHUTDOWN_TIMEOUT_MS: '30000',
    // Several workers share this machine in tests: no fixed metrics port (a test that wants one sets it).
    KILN_METRICS_PORT: '0',
    ...opts.env,
  };
  let dbName: string | undefined;
  if ((opts.database ?? 'postgresql') === 'postgresql') {
    dbName = `kiln_${id}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  return {
    env,
    config: loadConfig(env),
    dataDir,
    async cleanup() {
      await rm(dataDir, { recursive: true, force: true });
      const redis = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.KILN_QUEUE_PREFIX}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
      if (dbName) {
        const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}
