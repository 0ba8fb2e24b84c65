import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { SqlExecutor } from './sql-executor.ts';

export type { PrismaClient };

/** An open database: Prisma for the application, a raw executor for migrations and health checks. */
export interface Database {
  kind: 'postgresql' | 'pglite';
  prisma: PrismaClient;
  raw: SqlExecutor;
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL when a URL is given, else the embedded PGlite under dataDir/db, so that a fresh
 * machine runs Kiln with no database server at all.
 */
export async function openDatabase(opts: { url?: string; dataDir: string }): Promise<Database> {
  return opts.url ? openPostgres(opts.url) : openPGlite(join(resolve(opts.dataDir), 'db'));
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const raw: SqlExecutor = {
    exec: async (sql) => {
      await pool.query(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
  };
  // Fail here, at start-up, with the server's own message rather than at the first request.
  await pool.query('SELECT 1');
  return {
    kind: 'postgresql',
    prisma,
    raw,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPGlite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const client = new PGlite(dir);
  await client.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  const raw: SqlExecutor = {
    exec: async (sql) => {
      await client.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await client.query<T>(sql, params)).rows,
  };
  return {
    kind: 'pglite',
    prisma,
    raw,
    close: async () => {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
