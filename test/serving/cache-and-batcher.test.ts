import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelCache } from '../../src/serving/model-cache.ts';
import { MicroBatcher, type BatchRequest } from '../../src/serving/micro-batcher.ts';
import type { OutputRows } from '../../src/serving/types.ts';

function cache(maxBytes: number) {
  const disposed: string[] = [];
  const loads: string[] = [];
  const c = new ModelCache<string>({ maxBytes, dispose: (value) => disposed.push(value) });
  const load =
    (bytes: number, delayMs = 0) =>
    async (key: string) => {
      loads.push(key);
      await new Promise((r) => setTimeout(r, delayMs));
      return { value: key, bytes };
    };
  return { c, disposed, loads, load };
}

test('the cache evicts least recently used models beyond its byte budget and disposes them', async () => {
  const { c, disposed, load } = cache(250);
  (await c.acquire('a', load(100))).release();
  (await c.acquire('b', load(100))).release();
  (await c.acquire('a', load(100))).release(); // a is now the most recently used
  (await c.acquire('c', load(100))).release();
  assert.equal(c.state('b'), undefined, 'b, least recently used, was evicted');
  assert.deepEqual(disposed, ['b']);
  assert.equal(c.state('a'), 'ready');
  assert.equal(c.usedBytes, 200);
});

test('loading is single-flight and a model in use is disposed only when its last request ends', async () => {
  const { c, disposed, loads, load } = cache(1000);
  const leases = await Promise.all([
    c.acquire('m', load(10, 20)),
    c.acquire('m', load(10, 20)),
    c.acquire('m', load(10, 20)),
  ]);
  assert.deepEqual(loads, ['m'], 'one load for three waiting requests');
  c.remove('m');
  assert.equal(c.state('m'), undefined);
  leases[0]!.release();
  leases[1]!.release();
  assert.deepEqual(disposed, []);
  leases[2]!.release();
  assert.deepEqual(disposed, ['m']);
});

test('a failed load is forgotten, so the next request tries again', async () => {
  const { c, load } = cache(1000);
  await assert.rejects(
    c.acquire('x', async () => Promise.reject(new Error('artifact missing'))),
    /artifact missing/,
  );
  assert.equal(c.state('x'), undefined);
  (await c.acquire('x', load(1))).release();
  assert.equal(c.state('x'), 'ready');
});

const identity =
  (calls: number[]) =>
  async (batch: BatchRequest): Promise<OutputRows[]> => {
    calls.push(batch.count);
    await new Promise((r) => setTimeout(r, 5));
    return [{ name: 'y', rowShape: [1], data: batch.inputs[0]!.map((v) => v * 2) }];
  };
const one = (v: number): BatchRequest => ({ count: 1, inputs: [Float32Array.of(v)], rowShapes: [[1]] });

test('requests arriving while a batch runs are joined into the next batch, each getting its own rows back', async () => {
  const calls: number[] = [];
  const batcher = new MicroBatcher(identity(calls), { maxSize: 8, timeoutMs: 2 });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.submit(one(i))));
  answers.forEach((outputs, i) => assert.deepEqual(Array.from(outputs[0]!.data), [i * 2]));
  assert.equal(
    calls.reduce((a, b) => a + b, 0),
    20,
  );
  assert.ok(Math.max(...calls) <= 8, `no batch above maxSize: ${calls}`);
  assert.ok(calls.length < 20, `batched: ${calls}`);
  assert.deepEqual(batcher.stats, { batches: calls.length, instances: 20 });
});

test('with maxSize 1 every request runs on its own', async () => {
  const calls: number[] = [];
  const batcher = new MicroBatcher(identity(calls), { maxSize: 1, timeoutMs: 2 });
  await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.submit(one(i))));
  assert.deepEqual(calls, [1, 1, 1, 1, 1]);
});

test('a failing batch rejects its requests and the batcher goes on', async () => {
  let fail = true;
  const batcher = new MicroBatcher(
    async (batch) => {
      if (fail) throw new Error('kernel failed');
      return [{ name: 'y', rowShape: [1], data: batch.inputs[0]! }];
    },
    { maxSize: 4, timeoutMs: 1 },
  );
  await assert.rejects(batcher.submit(one(1)), /kernel failed/);
  fail = false;
  assert.deepEqual(Array.from((await batcher.submit(one(3)))[0]!.data), [3]);
});

test('one slow model does not hold up another: batchers interleave', async () => {
  const order: string[] = [];
  let slowFinished = 0;
  const slow = new MicroBatcher(
    async (b) => {
      order.push('slow');
      await new Promise((r) => setTimeout(r, 30));
      slowFinished++;
      return [{ name: 'y', rowShape: [1], data: b.inputs[0]! }];
    },
    { maxSize: 1, timeoutMs: 0 },
  );
  const fast = new MicroBatcher(
    async (b) => {
      order.push('fast');
      return [{ name: 'y', rowShape: [1], data: b.inputs[0]! }];
    },
    { maxSize: 1, timeoutMs: 0 },
  );
  const slowDone = Promise.all(Array.from({ length: 5 }, (_, i) => slow.submit(one(i))));
  await fast.submit(one(1));
  // Counted, not timed: the fast model's answer came while the slow model's queue of five was still running.
  assert.ok(slowFinished <= 1, `the fast model waited for ${slowFinished} of the slow model's 5 batches`);
  await slowDone;
  assert.ok(order.indexOf('fast') < 2, `order: ${order}`);
});
