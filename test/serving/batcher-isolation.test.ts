// A micro-batch that fails because of one request's values must fail that request only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MicroBatcher, type BatchRequest } from '../../src/serving/micro-batcher.ts';

const one = (v: number): BatchRequest => ({ count: 1, inputs: [Float32Array.of(v)], rowShapes: [[1]] });

test('a batch that throws is rerun request by request: the bad request fails, the others get their own rows', async () => {
  const runs: number[] = [];
  // Like tfjs's gather: any index out of range fails the whole run.
  const batcher = new MicroBatcher(
    async (batch) => {
      runs.push(batch.count);
      await new Promise((r) => setTimeout(r, 2));
      if (batch.inputs[0]!.some((v) => v >= 1000))
        throw new Error(`GatherV2: the index value ${batch.inputs[0]!.find((v) => v >= 1000)} is not in [0, 9]`);
      return [{ name: 'y', rowShape: [1], data: batch.inputs[0]!.map((v) => v * 2) }];
    },
    { maxSize: 16, timeoutMs: 5 },
  );
  const values = Array.from({ length: 40 }, (_, i) => (i % 10 === 7 ? 1000 + i : i));
  const settled = await Promise.allSettled(values.map((v) => batcher.submit(one(v))));
  settled.forEach((s, i) => {
    if (values[i]! >= 1000) {
      assert.equal(s.status, 'rejected', `request ${i} (bad) failed`);
      assert.match(String((s as PromiseRejectedResult).reason), /GatherV2/);
    } else {
      assert.equal(s.status, 'fulfilled', `request ${i} (good) failed: ${(s as PromiseRejectedResult).reason}`);
      assert.deepEqual(Array.from((s as PromiseFulfilledResult<any>).value[0].data), [values[i]! * 2]);
    }
  });
  assert.ok(
    runs.some((n) => n > 1),
    `requests were batched: ${runs}`,
  );
});
