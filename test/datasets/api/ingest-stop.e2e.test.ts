/**
 * Stopping an ingestion, through the real api and worker processes: `DELETE /datasets/:id` cancels one
 * that is queued or running and leaves nothing of the dataset; one that runs past
 * KILN_INGEST_TIMEOUT_SECONDS fails with an error naming the setting and is not tried again, also when
 * its process is stuck and has to be killed. The source is a local server that sends a few bytes and
 * then nothing, so an ingestion of it runs until it is stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { useStack, type Stack } from '../../helpers/stack.ts';
import { request, waitFor } from '../../helpers/http.ts';
import { uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';
import { loggedPids } from '../../helpers/processes.ts';

/** A server whose every response stalls after its first bytes; `requests` emits each request as it arrives. */
function stallingServer() {
  const requests = new EventEmitter();
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url!);
    res.writeHead(200, { 'content-length': String(1 << 20) });
    res.write(Buffer.alloc(16));
    requests.emit(req.url!, req);
  });
  return {
    hits,
    /** Resolves with the request for `path` once the worker has connected for it. */
    arrival: (path: string) => once(requests, path).then(([req]) => req as IncomingMessage),
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A stalling server for the tests of the enclosing describe block; `url(path)` is a URL of it. */
function useStallingServer() {
  const source = stallingServer();
  let base = '';
  before(async () => {
    base = await source.start();
  });
  after(() => source.stop());
  return { source, url: (path: string) => `${base}${path}` };
}

/** Nothing of the dataset is left: no row, no job, no arrays, no uploads. */
async function assertGone(stack: Stack, id: string) {
  await waitFor(
    async () => (await stack.api.app.db.prisma.dataset.findUnique({ where: { id } })) === null,
    30_000,
    `dataset ${id}'s row to be removed`,
  );
  assert.equal(await stack.api.app.datasetQueue.getJob(id), undefined, 'its job is removed');
  for (const dir of ['datasets', 'uploads'])
    assert.ok(!existsSync(join(stack.env.dataDir, 'artifacts', dir, id)), `${dir}/${id} is gone`);
  assert.equal((await request(stack.api.url, 'GET', `/datasets/${id}`)).status, 404);
}

const files = [
  { name: 'x.npy', data: npy('<f4', [4, 2], [0, 1, 1, 0, 0, 0, 1, 1]) },
  { name: 'y.npy', data: npy('|u1', [4], [1, 1, 0, 0]) },
];

describe('DELETE /datasets/:id cancels its ingestion', () => {
  const { source, url } = useStallingServer();
  const stack = useStack({ env: { KILN_ALLOW_PRIVATE_URLS: 'true' } });

  test('a running ingestion is stopped (202), then the dataset is removed whole', async () => {
    const created = await request(stack.api.url, 'POST', '/datasets', { name: 'stalls', url: url('/running.npz') });
    assert.equal(created.status, 201);
    const download = await source.arrival('/running.npz');
    const closed = once(download.socket, 'close');

    const deleted = await request(stack.api.url, 'DELETE', `/datasets/${created.body.id}`);
    assert.equal(deleted.status, 202);
    assert.deepEqual(deleted.body, { id: created.body.id, status: 'deleting' });
    // Gone for clients at once, while its ingestion stops.
    assert.equal((await request(stack.api.url, 'GET', `/datasets/${created.body.id}`)).status, 404);
    assert.ok(
      !(await request(stack.api.url, 'GET', '/datasets')).body.datasets.some(
        (d: { id: string }) => d.id === created.body.id,
      ),
    );
    await closed; // the worker hung up on the download
    await assertGone(stack, created.body.id);
    assert.doesNotMatch(stack.worker.output(), /killing its process/, 'it stopped when asked');
    assert.deepEqual(
      source.hits.filter((h) => h === '/running.npz'),
      ['/running.npz'],
      'not tried again',
    );
  });

  test('a queued ingestion is removed with its dataset at once (204)', async () => {
    // The worker ingests one dataset at a time: while it is busy with this one, the upload waits.
    const busy = await request(stack.api.url, 'POST', '/datasets', { name: 'busy', url: url('/busy.npz') });
    await source.arrival('/busy.npz');
    const queued = await uploadDataset(stack.api.url, files, { name: 'queued' });
    assert.equal(queued.status, 201);
    assert.ok(existsSync(join(stack.env.dataDir, 'artifacts', 'uploads', queued.body.id)));
    assert.equal(await (await stack.api.app.datasetQueue.getJob(queued.body.id))!.getState(), 'waiting');

    const deleted = await request(stack.api.url, 'DELETE', `/datasets/${queued.body.id}`);
    assert.equal(deleted.status, 204);
    await assertGone(stack, queued.body.id);

    assert.equal((await request(stack.api.url, 'DELETE', `/datasets/${busy.body.id}`)).status, 202);
    await assertGone(stack, busy.body.id);
  });

  test('a finished dataset is deleted at once, its job record too', async () => {
    const created = await uploadDataset(stack.api.url, files, { name: 'done' });
    assert.equal((await waitForDataset(stack.api.url, created.body.id)).status, 'ready');
    assert.equal((await request(stack.api.url, 'DELETE', `/datasets/${created.body.id}`)).status, 204);
    await assertGone(stack, created.body.id);
  });
});

describe('KILN_INGEST_TIMEOUT_SECONDS', () => {
  const { source, url } = useStallingServer();
  const LIMIT = 6;
  const stack = useStack({ env: { KILN_ALLOW_PRIVATE_URLS: 'true', KILN_INGEST_TIMEOUT_SECONDS: String(LIMIT) } });
  const limitError = new RegExp(`KILN_INGEST_TIMEOUT_SECONDS \\(${LIMIT} s\\)`);

  test('an ingestion past the limit fails with an error naming the limit and the setting, and is not retried', async () => {
    const created = await request(stack.api.url, 'POST', '/datasets', { name: 'slow', url: url('/slow.npz') });
    const dataset = await waitForDataset(stack.api.url, created.body.id, 60_000);
    assert.equal(dataset.status, 'failed');
    assert.match(dataset.error, limitError);
    const job = (await stack.api.app.datasetQueue.getJob(created.body.id))!;
    assert.equal(job.attemptsMade, 1, 'one attempt only');
    assert.ok(source.hits.filter((h) => h === '/slow.npz').length <= 1);
    for (const dir of ['datasets', 'uploads'])
      assert.ok(!existsSync(join(stack.env.dataDir, 'artifacts', dir, created.body.id)));
  });

  test('an ingestion stuck past the limit is killed, fails with the same error, and is not run again', async () => {
    const created = await request(stack.api.url, 'POST', '/datasets', { name: 'stuck', url: url('/stuck.npz') });
    await source.arrival('/stuck.npz');
    // The ingestion's own process, as its worker logged it; stopped, it can no longer hear "stop".
    const pid = loggedPids(stack.worker.output(), 'ingestion process started', created.body.id)[0]!;
    process.kill(pid, 'SIGSTOP');

    const dataset = await waitForDataset(stack.api.url, created.body.id, 60_000);
    assert.equal(dataset.status, 'failed');
    assert.match(dataset.error, limitError);
    assert.match(stack.worker.output(), /did not stop when asked; killing its process/);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the stuck process is gone');
    assert.deepEqual(
      source.hits.filter((h) => h === '/stuck.npz'),
      ['/stuck.npz'],
      'the download is not tried again',
    );
  });
});
