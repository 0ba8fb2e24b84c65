import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { createTestEnvironment, type TestEnvironment } from './environment.ts';

/**
 * The real api built in this process on a fresh environment (its own database and Redis prefix),
 * for the tests of the enclosing file or describe block, which call it through `inject`. `app` and
 * `env` are set before the first test; both are torn down after the last.
 */
export function inProcessApi(opts: { env?: Record<string, string> } = {}): {
  app: FastifyInstance;
  env: TestEnvironment;
} {
  const api = {} as { app: FastifyInstance; env: TestEnvironment };
  before(async () => {
    api.env = await createTestEnvironment({ env: opts.env });
    api.app = await buildApp(api.env.config, pino({ level: 'silent' }));
    await api.app.ready();
  });
  after(async () => {
    await api.app?.close();
    await api.env?.cleanup();
  });
  return api;
}
