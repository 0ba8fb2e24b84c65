import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { buildApp } from '../../src/api/app.ts';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { denseRunSpec } from '../helpers/specs.ts';

const TOKEN = 'origins-test-token';

/** Opens a WebSocket with the given headers; resolves with the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
}

describe('origins and tokens: other sites cannot drive a Kiln, and logs never hold the token', () => {
  let env: TestEnvironment;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let base = '';
  const lines: string[] = [];

  before(async () => {
    env = await createTestEnvironment({
      env: { KILN_API_TOKEN: TOKEN, KILN_ALLOWED_ORIGINS: 'https://dash.example.org', KILN_MAX_INLINE_MB: '0.05' },
    });
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    app = await buildApp(env.config, pino({ level: 'info' }, sink));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const post = (headers: Record<string, string>, body: unknown = denseRunSpec()) =>
    fetch(`http://${base}/runs?dryRun=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test("a WebSocket from another site's page is refused before it opens; the api's own pages and listed origins are not", async () => {
    const url = `ws://${base}/events?token=${TOKEN}`;
    assert.equal(await upgradeStatus(url, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(url, { origin: `http://${base}` }), 101);
    assert.equal(await upgradeStatus(url, { origin: 'https://dash.example.org' }), 101);
    assert.equal(await upgradeStatus(url, {}), 101, 'no Origin: not a browser page');
  });

  test('a state-changing request from another site is a 403; reads, same-origin and origin-less requests pass', async () => {
    const refused = await post({ origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as any).error.code, 'origin_refused');
    assert.equal((await post({ origin: `http://${base}` })).status, 200);
    assert.equal((await post({})).status, 200);
    const read = await fetch(`http://${base}/runs`, {
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
    });
    assert.equal(read.status, 200, 'a cross-site read is the browser’s business (CORS), not a state change');
  });

  test('request URLs are logged with the token redacted', async () => {
    await fetch(`http://${base}/runs?token=${TOKEN}`);
    await upgradeStatus(`ws://${base}/events?token=${TOKEN}`, {});
    assert.ok(
      lines.some((l) => l.includes('token=[redacted]')),
      'the requests were logged',
    );
    assert.deepEqual(
      lines.filter((l) => l.includes(TOKEN)),
      [],
    );
  });

  test('a body over the inline limit is a 413 that names KILN_MAX_INLINE_MB and says what to do instead', async () => {
    const spec = denseRunSpec({ samples: 4000 });
    const res = await post({}, spec);
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as any).error.message, /KILN_MAX_INLINE_MB \(0\.05 MB\).*POST \/datasets/);
  });
});
