import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MaxRuntimeCallback } from '../../../src/engine/callbacks/max-runtime.ts';
import type { StopReason, TrainingContext } from '../../../src/engine/training/callback.ts';

/** Just enough of a training context to see whether the callback asked to stop. */
function context(): TrainingContext & { stopped?: StopReason } {
  const ctx = { stopped: undefined as StopReason | undefined, stop: (r: StopReason) => (ctx.stopped ??= r) };
  return ctx as unknown as TrainingContext & { stopped?: StopReason };
}

describe('MaxRuntimeCallback', () => {
  test('stops with reason timeout at the first batch end past the limit, not before', async () => {
    let now = 1000;
    const cb = new MaxRuntimeCallback(3, () => now);
    const ctx = context();
    await cb.onTrainBegin(ctx);
    now += 2999;
    await cb.onBatchEnd(0, 0, {}, ctx);
    assert.equal(ctx.stopped, undefined);
    now += 1;
    await cb.onBatchEnd(0, 1, {}, ctx);
    assert.equal(ctx.stopped, 'timeout');
  });

  test('a resumed run keeps counting from the time its checkpoint recorded', async () => {
    let now = 0;
    const first = new MaxRuntimeCallback(10, () => now);
    await first.onTrainBegin(context());
    now += 7000;
    const saved = structuredClone(first.getState()); // as a checkpoint stores it

    now = 50_000; // another worker, later
    const resumed = new MaxRuntimeCallback(10, () => now);
    resumed.setState(saved);
    const ctx = context();
    await resumed.onTrainBegin(ctx);
    now += 2900;
    await resumed.onBatchEnd(0, 0, {}, ctx);
    assert.equal(ctx.stopped, undefined, '9.9 s in all');
    now += 200;
    await resumed.onBatchEnd(0, 1, {}, ctx);
    assert.equal(ctx.stopped, 'timeout', '10.1 s in all');
  });
});
