import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/config.ts';
import { createTestEnvironment } from '../helpers/environment.ts';
import { request, runEvents, waitFor, waitForRun } from '../helpers/http.ts';
import { startApi, startWorker } from '../helpers/processes.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

const OUTAGE_MS = 30_000;
const EPOCHS = 12;

/** A run's whole event history over SSE, from after `since`, with the fields this test compares. */
async function history(
  url: string,
  runId: string,
  since = 0,
): Promise<{ seq: number; type: string; epoch?: number }[]> {
  return (await runEvents(url, runId, since)).map((e) => ({ seq: e.seq, type: e.type, epoch: e.data.epoch }));
}

describe('PostgreSQL unreachable for 30 s while three runs train (a failover, a restart, a network blip)', () => {
  test('afterwards every run ended with every epoch, every event stored once, the models registered; /readyz told of it', async () => {
    const env = await createTestEnvironment({ env: { KILN_WORKER_CONCURRENCY: '3' } });
    const database = new URL(env.env.DATABASE_URL!);
    const proxy = await new TcpProxy({ host: database.hostname, port: Number(database.port || 5432) }).start();
    database.port = String(proxy.port);
    const api = await startApi(loadConfig({ ...env.env, DATABASE_URL: database.toString() }));
    const worker = await startWorker(env.env);
    try {
      // ~1 s per epoch alone on wasm (1,024 batches of one sample), longer three at a time: the runs
      // train through the cut, and some end during it (their final events wait for the database).
      const ids: string[] = [];
      for (const name of ['first', 'second', 'third']) {
        const created = await request(
          api.url,
          'POST',
          '/runs',
          denseRunSpec({ name, epochs: EPOCHS, samples: 1024, batchSize: 1 }),
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids.push(created.body.id);
      }
      await waitFor(
        async () =>
          (await Promise.all(ids.map((id) => request(api.url, 'GET', `/runs/${id}`)))).every(
            (r) => r.body.epochs?.length >= 1,
          ),
        300_000,
        'every run to store its first epoch',
      );

      await proxy.cut();
      const outageEnds = Date.now() + OUTAGE_MS;
      const down = await waitFor(
        async () => {
          const ready = await request(api.url, 'GET', '/readyz');
          return ready.status === 503 && /^error/.test(ready.body.checks.events) ? ready.body : undefined;
        },
        OUTAGE_MS,
        '/readyz to say events cannot be stored',
      );
      assert.match(down.checks.database, /^error/);
      // The fault lasts its time: that is what is being tested, not something to wait for.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageEnds - Date.now())));
      await proxy.restore();

      for (const id of ids) {
        const run = await waitForRun(api.url, id, ['succeeded', 'failed', 'canceled'], 600_000);
        assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
        assert.deepEqual(
          run.epochs.map((e: { epoch: number }) => e.epoch),
          Array.from({ length: EPOCHS }, (_, i) => i + 1),
          `${run.name}: every epoch`,
        );
        const model = await request(api.url, 'GET', `/models/${run.modelId}`);
        assert.equal(model.status, 200, `${run.name}: its model is registered`);

        const events = await history(api.url, id);
        const seqs = events.map((e) => e.seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => i + 1),
          `${run.name}: seq 1…n, each once`,
        );
        // A watcher that reconnects with `since` in the middle gets the rest, each event once.
        const middle = Math.floor(seqs.length / 2);
        assert.deepEqual(
          (await history(api.url, id, middle)).map((e) => e.seq),
          seqs.slice(middle),
          `${run.name}: resumed from ${middle}`,
        );
      }
      const ready = await waitFor(
        async () => ((await request(api.url, 'GET', '/readyz')).status === 200 ? true : undefined),
        30_000,
        '/readyz to recover',
      );
      assert.ok(ready);
    } finally {
      await worker.stop();
      await api.close();
      await proxy.stop();
      await env.cleanup();
    }
  });
});
