import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { migrationsApplied } from '../../../store/migrate.ts';

const Checks = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) });

async function check(fn: () => Promise<boolean>): Promise<string> {
  try {
    return (await fn()) ? 'ok' : 'not ready';
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** Liveness (/healthz, always open) and readiness (/readyz: Redis, database, migrations). */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'The process is alive',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Redis and the database answer and migrations are applied',
        tags: ['health'],
        response: { 200: Checks, 503: Checks },
      },
    },
    async (_request, reply) => {
      const checks = {
        redis: await check(async () => (await app.redis.ping()) === 'PONG'),
        database: await check(async () => (await app.db.raw.query('SELECT 1 AS ok')).length === 1),
        migrations: await check(() => migrationsApplied(app.db.raw)),
      };
      const ready = Object.values(checks).every((c) => c === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
};

export default healthRoutes;
