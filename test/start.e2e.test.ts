import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestEnvironment, type TestEnvironment } from './helpers/environment.ts';
import { request, waitFor, waitForRun } from './helpers/http.ts';
import { denseRunSpec } from './helpers/specs.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('`npm start` with its embedded defaults (PGlite, local worker processes)', () => {
  let env: TestEnvironment;
  let kiln: ChildProcess;
  let url: string;
  let output = '';
  let startedAt: number;

  before(async () => {
    env = await createTestEnvironment({ database: 'pglite' });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    startedAt = Date.now();
    kiln = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, ...env.env, PORT: String(port), KILN_WORKERS: '1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    kiln.stdout!.on('data', (d: Buffer) => (output += d));
    kiln.stderr!.on('data', (d: Buffer) => (output += d));
  });

  after(async () => {
    if (kiln && kiln.exitCode === null && kiln.signalCode === null) {
      const exited = new Promise((r) => kiln.once('exit', r));
      process.kill(-kiln.pid!, 'SIGTERM');
      await exited;
    }
    await env?.cleanup();
  });

  test('answers /readyz with 200 within 20 s', async () => {
    await waitFor(
      async () => (await fetch(`${url}/readyz`)).status === 200,
      20_000,
      `/readyz (output so far:\n${output})`,
    );
    assert.ok(Date.now() - startedAt < 20_000);
  });

  test('trains a run on the embedded database and serves its model metadata', async () => {
    const { body } = await request(url, 'POST', '/runs', denseRunSpec({ epochs: 2 }));
    const run = await waitForRun(url, body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.epochs.length, 2);
    const model = await request(url, 'GET', `/models/${run.modelId}`);
    assert.equal(model.status, 200);
    assert.match(output, /"database":"pglite"/);
  });

  test('SIGTERM stops the api and its workers cleanly', async () => {
    const exited = new Promise((r) => kiln.once('exit', r));
    process.kill(-kiln.pid!, 'SIGTERM'); // what a terminal's Ctrl-C or a container stop does: the whole group
    await exited;
    await waitFor(
      async () => /"process":"api".*"msg":"shutting down"/.test(output),
      10_000,
      'the api to log its shutdown',
    );
    assert.doesNotMatch(output, /shutdown failed/);
  });
});
