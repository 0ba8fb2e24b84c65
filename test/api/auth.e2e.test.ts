import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';

const TOKEN = 'secret-token-for-tests';

describe('token auth', () => {
  let env: TestEnvironment;
  let withToken: FastifyInstance;
  let withoutToken: FastifyInstance;

  before(async () => {
    env = await createTestEnvironment();
    withToken = await buildApp(loadConfig({ ...env.env, KILN_API_TOKEN: TOKEN }), pino({ level: 'silent' }));
    withoutToken = await buildApp(env.config, pino({ level: 'silent' }));
  });
  after(async () => {
    await withToken?.close();
    await withoutToken?.close();
    await env?.cleanup();
  });

  test('with KILN_API_TOKEN set, requests without the bearer token are refused with 401', async () => {
    for (const url of ['/runs', '/runs/x', '/models', '/datasets', '/docs/json']) {
      const res = await withToken.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.json().error.code, 'unauthorized');
    }
    const wrong = await withToken.inject({
      method: 'GET',
      url: '/runs',
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.json().error.message, /invalid/);
    const post = await withToken.inject({ method: 'POST', url: '/runs', payload: {} });
    assert.equal(post.statusCode, 401, 'auth is checked before validation');
  });

  test('probes and the Prometheus scrape need no token: /healthz, /readyz, /v2/health/* and /metrics', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/v2/health/live', '/v2/health/ready']) {
      const res = await withToken.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
    }
    for (const url of ['/v2', '/v2/models/x', '/v1/models/x'])
      assert.equal((await withToken.inject({ method: 'GET', url })).statusCode, 401, `${url} needs the token`);
  });

  test('the right token is let in, and /healthz stays open', async () => {
    const ok = await withToken.inject({ method: 'GET', url: '/runs', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.statusCode, 200);
    assert.equal((await withToken.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  test('a ?token= query is accepted only on WebSocket upgrades', async () => {
    const res = await withToken.inject({ method: 'GET', url: `/runs?token=${TOKEN}` });
    assert.equal(res.statusCode, 401);
  });

  test('without KILN_API_TOKEN, no token is needed', async () => {
    assert.equal((await withoutToken.inject({ method: 'GET', url: '/runs' })).statusCode, 200);
    assert.equal((await withoutToken.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });
});
