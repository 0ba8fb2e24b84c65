import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { createTestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker } from '../helpers/processes.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { EventClient, epochs, seqs, wsUrl } from '../helpers/ws.ts';

/** ~1 s per epoch on wasm: 1,024 batches of one sample. */
const slowRun = (epochsCount: number) => denseRunSpec({ epochs: epochsCount, samples: 1024, batchSize: 1, units: 32 });

describe('GET /runs/:id/events with a real worker', () => {
  const stack = useStack();

  test('a client that disconnects after epoch 1 of 4 and reconnects with since gets exactly the missed events', async () => {
    const { body } = await request(stack.api.url, 'POST', '/runs', slowRun(4));
    const first = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events`));
    await first.until((events) => epochs(events).includes(1));
    first.close();
    await first.closed;
    const resumeFrom = first.events.at(-1)!.seq;
    // Stay away for a while: the run goes on without us.
    await new Promise((r) => setTimeout(r, 1500));
    const second = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events?since=${resumeFrom}`));
    const closed = await second.closed;
    assert.equal(closed.code, 1000, 'closed normally after the final status');
    assert.equal(second.events.at(-1)!.data.status, 'succeeded');

    const full = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events`));
    await full.closed;
    const combined = [...first.events, ...second.events];
    assert.deepEqual(seqs(combined), seqs(full.events), 'together the two connections saw the whole history, once');
    assert.deepEqual(
      seqs(full.events),
      Array.from({ length: full.events.length }, (_, i) => i + 1),
      'no gap',
    );
    assert.deepEqual(epochs(full.events), [1, 2, 3, 4]);
    for (const e of full.events) assert.deepEqual(Object.keys(e).sort(), ['data', 'runId', 'seq', 'time', 'type']);
  });

  test('a client that connects after the run ended gets the full history and a close', async () => {
    const { body } = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 2 }));
    await waitForRun(stack.api.url, body.id, ['succeeded']);
    const late = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events`));
    const closed = await late.closed;
    assert.equal(closed.code, 1000);
    assert.deepEqual(epochs(late.events), [1, 2]);
    const statuses = late.events.filter((e) => e.type === 'status').map((e) => e.data.status);
    assert.deepEqual(statuses, ['queued', 'running', 'succeeded']);
  });

  test('resuming at or after the last event of a finished run closes at once (no connection left open)', async () => {
    const { body } = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 1 }));
    await waitForRun(stack.api.url, body.id, ['succeeded']);
    const full = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events`));
    await full.closed;
    const last = full.events.at(-1)!.seq;
    for (const since of [last, 9999]) {
      const resumed = new EventClient(wsUrl(stack.api.url, `/runs/${body.id}/events?since=${since}`));
      const closed = await resumed.closed;
      assert.equal(closed.code, 1000, `since=${since}`);
      assert.deepEqual(resumed.events, [], `since=${since}: nothing after it`);
      // The same over SSE: the response ends instead of pinging for ever.
      const sse = await fetch(`${stack.api.url}/runs/${body.id}/events`, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(since) },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal((await sse.text()).includes('id: '), false, `SSE since=${since}`);
    }
  });

  test('the same stream as Server-Sent Events, resuming from Last-Event-ID', async () => {
    const { body } = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 2 }));
    await waitForRun(stack.api.url, body.id, ['succeeded']);
    const read = async (headers: Record<string, string>) => {
      const res = await fetch(`${stack.api.url}/runs/${body.id}/events`, {
        headers: { accept: 'text/event-stream', ...headers },
      });
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const text = await res.text(); // the server ends the stream after the final status
      return text
        .split('\n\n')
        .filter((b) => b.startsWith('id: '))
        .map((b) => ({
          id: Number(/^id: (\d+)/.exec(b)![1]),
          type: /event: (\w+)/.exec(b)![1],
          data: JSON.parse(/data: (.*)/.exec(b)![1]!),
        }));
    };
    const all = await read({});
    assert.deepEqual(
      all.map((e) => e.id),
      Array.from({ length: all.length }, (_, i) => i + 1),
    );
    assert.equal(all.at(-1)!.data.data.status, 'succeeded');
    const rest = await read({ 'last-event-id': String(all[2]!.id) });
    assert.deepEqual(
      rest.map((e) => e.id),
      all.slice(3).map((e) => e.id),
    );
  });

  test('unknown runs answer 404 before any upgrade; a plain GET without SSE is refused', async () => {
    const client = new EventClient(wsUrl(stack.api.url, '/runs/nope/events'));
    await assert.rejects(client.opened, /HTTP 404/);
    const plain = await fetch(`${stack.api.url}/runs/nope/events`);
    assert.equal(plain.status, 404);
  });
});

describe('events survive an api restart', () => {
  test('the api restarted mid-run loses no epoch event for a reconnecting client', async () => {
    const env = await createTestEnvironment();
    const worker = await startWorker(env.env);
    let api = await startApi(env.config);
    try {
      const { body } = await request(api.url, 'POST', '/runs', slowRun(4));
      const first = new EventClient(wsUrl(api.url, `/runs/${body.id}/events`));
      await first.until((events) => epochs(events).includes(1));
      await api.close(); // the worker keeps training and publishing meanwhile
      const closed = await first.closed;
      assert.notEqual(closed.code, 1000);
      await new Promise((r) => setTimeout(r, 1500));
      api = await startApi(env.config);
      const second = new EventClient(wsUrl(api.url, `/runs/${body.id}/events?since=${first.events.at(-1)!.seq}`));
      assert.equal((await second.closed).code, 1000);
      const combined = [...first.events, ...second.events];
      assert.deepEqual(epochs(combined), [1, 2, 3, 4]);
      assert.deepEqual(
        seqs(combined),
        Array.from({ length: combined.length }, (_, i) => i + 1),
      );
    } finally {
      await worker.stop();
      await api.close();
      await env.cleanup();
    }
  });
});
