import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ConsumerHealth } from '../../../queue/event-stream-consumer.ts';
import { migrationsApplied } from '../../../store/migrate.ts';

const Checks = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) });

/** How long one check may take: Redis commands wait for a reconnect, so an outage would hang the probe. */
const CHECK_TIMEOUT_MS = 2000;

async function check(fn: () => Promise<boolean>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`error: no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  const answer = fn().then(
    (ok) => (ok ? 'ok' : 'not ready'),
    (error: Error) => `error: ${error.message}`,
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether workers' events are being stored: a run's progress is lost to nobody, but it is not recorded. */
function eventsCheck(health: ConsumerHealth): string {
  if (!health.running) return 'not ready';
  if (health.failingSince)
    return `error: events cannot be stored since ${health.failingSince.toISOString()} (${health.lastError})`;
  return 'ok';
}

/** Liveness (/healthz, always open) and readiness (/readyz: Redis, database, migrations, event storage). */
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
        summary: "Redis and the database answer, migrations are applied and workers' events are being stored",
        tags: ['health'],
        response: { 200: Checks, 503: Checks },
      },
    },
    async (_request, reply) => {
      const [redis, database, migrations] = await Promise.all([
        check(async () => (await app.redis.ping()) === 'PONG'),
        check(async () => (await app.db.raw.query('SELECT 1 AS ok')).length === 1),
        check(() => migrationsApplied(app.db.raw)),
      ]);
      const checks = { redis, database, migrations, events: eventsCheck(app.eventIngest.health()) };
      const ready = Object.values(checks).every((c) => c === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
};

export default healthRoutes;
