/**
 * The api killed in the middle of a create request (SIGKILL, after the row and its answer were committed
 * and before the answer was sent): the client's retry with the same key, to a new api process, gets the
 * first request's resource and creates no second one.
 *
 * To stop the api exactly there, its Redis traffic goes through a small proxy that the test freezes:
 * everything before the commit uses only PostgreSQL and the artifact store, and the first Redis command
 * after it (publishing the run's `queued` event, queueing the ingestion) then waits forever.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { request, waitFor } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { uploadDataset } from '../helpers/datasets.ts';
import { npy } from '../datasets/fixtures/npy-writer.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP proxy to Redis that can be frozen: from then on it forwards nothing, and its clients wait. */
async function redisProxy(target: URL) {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => void (frozen || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (frozen || client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => (frozen = true),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The api as its own process (`npm run api`), resolved once it listens. */
async function spawnApi(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; kill(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Server listening')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then(() => reject(new Error(`the api exited before it listened:\n${out}`)));
  });
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('the api killed between committing a create and answering it', () => {
  let env: TestEnvironment;
  let db: pg.Client;

  before(async () => {
    env = await createTestEnvironment();
    db = new pg.Client({ connectionString: env.env.DATABASE_URL });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await env?.cleanup();
  });

  /** Sends a request to an api whose Redis is frozen, waits until its key's answer is committed, kills the api. */
  async function killedAfterCommit(scope: string, key: string, send: (url: string) => Promise<unknown>) {
    const proxy = await redisProxy(new URL(env.env.REDIS_URL!));
    const api = await spawnApi({ ...env.env, REDIS_URL: proxy.url });
    proxy.freeze();
    const lost = send(api.url).then(
      () => assert.fail('the first request must not be answered'),
      () => undefined,
    );
    const committed = await waitFor(
      async () =>
        (
          await db.query<{ status: number; body: { id: string } }>(
            'SELECT status, body FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NOT NULL',
            [scope, key],
          )
        ).rows[0],
      60_000,
      'the answer to be committed',
    );
    await api.kill();
    await lost;
    await proxy.close();
    return committed;
  }

  test('POST /runs: the retry to a new api answers the run the killed one created, and there is one run', async () => {
    const key = randomUUID();
    const spec = denseRunSpec({ name: 'killed' });
    const send = (url: string) =>
      fetch(`${url}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(spec),
      });
    const committed = await killedAfterCommit('POST /runs', key, send);
    assert.equal(committed.status, 201);
    assert.equal((await db.query('SELECT id FROM runs WHERE name = $1', ['killed'])).rowCount, 1);

    const api = await spawnApi(env.env);
    try {
      const retry = await send(api.url);
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(((await retry.json()) as { id: string }).id, committed.body.id);
      const runs = (await request(api.url, 'GET', '/runs?limit=200')).body.runs;
      assert.deepEqual(
        runs.filter((r: { name: string }) => r.name === 'killed').map((r: { id: string }) => r.id),
        [committed.body.id],
      );
    } finally {
      await api.kill();
    }
  });

  test('POST /datasets: the retried upload answers the dataset the killed api registered, and there is one', async () => {
    const key = randomUUID();
    const files = [
      { name: 'x.npy', data: npy('<f4', [4, 2], [0, 1, 1, 0, 0, 0, 1, 1]) },
      { name: 'y.npy', data: npy('|u1', [4], [1, 1, 0, 0]) },
    ];
    const send = (url: string) => uploadDataset(url, files, { name: 'killed-upload' }, { 'idempotency-key': key });
    const committed = await killedAfterCommit('POST /datasets', key, send);
    assert.equal(committed.status, 201);

    const api = await spawnApi(env.env);
    try {
      const retry = await send(api.url);
      assert.equal(retry.status, 201);
      assert.equal(retry.body.id, committed.body.id);
      assert.equal((await db.query('SELECT id FROM datasets WHERE name = $1', ['killed-upload'])).rowCount, 1);
    } finally {
      await api.kill();
    }
  });
});
