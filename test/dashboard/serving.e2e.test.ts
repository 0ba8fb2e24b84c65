import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import configPlugin from '../../src/api/plugins/infra/config.ts';
import errorHandler from '../../src/api/plugins/infra/error-handler.ts';
import { loadConfig } from '../../src/config/config.ts';
import dashboardPlugin from '../../src/api/plugins/app/dashboard.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { buildDashboard } from './build.ts';

const TOKEN = 'dashboard-serving-token';
const html = { accept: 'text/html,application/xhtml+xml' };
const bearer = { authorization: `Bearer ${TOKEN}` };

/** GET with the path sent byte for byte; answers the status. */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the api serves the dashboard at / without shadowing API routes', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });

  before(async () => {
    buildDashboard();
    env = await createTestEnvironment({ env: { KILN_API_TOKEN: TOKEN } });
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  test('the page and its assets need no token; the page is locked to this origin by its CSP', async () => {
    const page = await get('/', html);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'.*connect-src 'self'/);
    const body = await page.text();
    assert.match(body, /<div id="app"><\/div>/);
    const assets = [...body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(
      assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')),
      `index.html links its script and stylesheet: ${assets}`,
    );
    for (const asset of assets) {
      const response = await get(asset);
      assert.equal(response.status, 200, asset);
      assert.match(
        response.headers.get('cache-control') ?? '',
        /immutable/,
        `${asset} is cached for good (its name has a content hash)`,
      );
    }
    assert.doesNotMatch(body, /https?:\/\//, 'index.html loads nothing from another origin');
  });

  test('API routes keep answering JSON and still need the token, even when a browser asks for HTML', async () => {
    const refused = await get('/runs', html);
    assert.equal(refused.status, 401);
    const runs = await get('/runs', { ...html, ...bearer });
    assert.equal(runs.status, 200);
    assert.match(runs.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(((await runs.json()) as { runs: unknown[] }).runs, []);
    assert.equal((await get('/healthz', html)).status, 200);
    assert.equal((await get('/docs/json', bearer)).status, 200);
    const unknownRun = await get('/runs/nope', { ...html, ...bearer });
    assert.equal(unknownRun.status, 404);
    assert.match(unknownRun.headers.get('content-type') ?? '', /application\/json/);
  });

  test('other page paths fall back to index.html for browsers, and stay 404 for everything else', async () => {
    const deep = await get('/some/bookmarked/page', html);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<div id="app">/);
    const notPage = await get('/some/bookmarked/page', { accept: 'application/json' });
    assert.equal(notPage.status, 404);
    assert.equal(((await notPage.json()) as { error: { code: string } }).error.code, 'not_found');
    const underApi = await get('/models/x/unknown/path', html);
    assert.equal(underApi.status, 404, 'a path under an API segment is never answered with the page');
    assert.match(underApi.headers.get('content-type') ?? '', /application\/json/);
    assert.equal((await get('/assets/missing.js')).status, 404);
    // Sent as is (fetch would normalise the dots away): only files of the build are ever served.
    for (const raw of ['/assets/../../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/package.json']) {
      const status = await rawGet(api.url, raw);
      assert.equal(status, 404, raw);
    }
  });
});

test('without a build, the dashboard answers 503 saying how to build it, and the api still starts', async () => {
  const app = Fastify();
  await app.register(configPlugin, { config: loadConfig({}) });
  await app.register(errorHandler);
  await app.register(dashboardPlugin, { root: '/nonexistent/kiln-web-dist' });
  const response = await app.inject({ method: 'GET', url: '/', headers: html });
  assert.equal(response.statusCode, 503);
  assert.match(response.json().error.message, /npm run build:web/);
  assert.equal((await app.inject({ method: 'GET', url: '/runs-page', headers: html })).statusCode, 503);
  await app.close();
});
