// The micro-batcher's queue bound, driven by hand: the model's run is held on a promise the test
// releases, so what is queued, what runs and what is refused is decided by events, not timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../src/domain/errors.ts';
import { MicroBatcher, type BatchRequest } from '../../src/serving/micro-batcher.ts';
import type { OutputRows } from '../../src/serving/types.ts';

const rows = (count: number, v = 1): BatchRequest => ({
  count,
  inputs: [new Float32Array(count).fill(v)],
  rowShapes: [[1]],
});

/** A run held until `release()`; `started` resolves with each batch's size as it begins. */
function heldModel() {
  const batches: number[] = [];
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  let onStart: (count: number) => void = () => {};
  const run = async (batch: BatchRequest): Promise<OutputRows[]> => {
    batches.push(batch.count);
    onStart(batch.count);
    await gate;
    return [{ name: 'y', rowShape: [1], data: batch.inputs[0]!.map((v) => v * 2) }];
  };
  return {
    run,
    batches,
    started: () => new Promise<number>((r) => (onStart = r)),
    release() {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
  };
}

test('idle: a request runs at once; busy: requests queue up to maxQueue instances, beyond they are refused with a 503 naming the setting', async () => {
  const model = heldModel();
  const batcher = new MicroBatcher(model.run, { maxSize: 4, timeoutMs: 1000, maxQueue: 5, label: 'digits version 3' });
  const running = model.started();
  const first = batcher.submit(rows(1));
  assert.equal(await running, 1, 'the idle batcher ran the first request alone, without waiting to fill');

  // The batch runs; these queue: 2 + 3 = 5 instances, the bound.
  const queued = [batcher.submit(rows(2, 3)), batcher.submit(rows(3, 5))];
  const refused = await batcher.submit(rows(1)).then(
    () => assert.fail('a sixth instance must be refused'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof KilnError);
  assert.equal(refused.status, 503);
  assert.equal(refused.code, 'overloaded');
  assert.ok(refused.retryAfterSeconds! >= 1);
  assert.match(refused.message, /model digits version 3 is busy: 5 instances are queued.*KILN_SERVING_MAX_QUEUE/);

  // The first batch ends; the queued requests fill the next batch up to maxSize (2, then 3 alone).
  const next = model.started();
  model.release();
  assert.deepEqual(Array.from((await first)[0]!.data), [2]);
  assert.equal(await next, 2, 'the next batch took what fits of the queue (2 + 3 > maxSize 4)');
  const last = model.started();
  model.release();
  assert.equal(await last, 3);
  model.release();
  const [a, b] = await Promise.all(queued);
  assert.deepEqual(Array.from(a[0]!.data), [6, 6]);
  assert.deepEqual(Array.from(b[0]!.data), [10, 10, 10]);

  // Drained: room again, and an empty queue takes a request larger than the bound.
  const bigStarted = model.started();
  const big = batcher.submit(rows(9));
  assert.equal(await bigStarted, 9);
  model.release();
  assert.equal((await big)[0]!.data.length, 9);
  assert.deepEqual(model.batches, [1, 2, 3, 9]);
});
