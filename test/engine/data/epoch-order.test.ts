import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOrder } from '../../../src/engine/data/index.ts';
import { epochOrder as tensorEpochOrder } from '../../../src/engine/training/tensor-data.ts';

test('draws the same order as the whole-tensor training path, so switching to the stream changes no batch', () => {
  for (const [seed, epoch] of [
    [0, 0],
    [42, 3],
    [7, 11],
  ] as const) {
    assert.deepEqual(epochOrder(1000, true, seed, epoch), tensorEpochOrder(1000, true, seed, epoch));
  }
});

test('is a permutation that changes with the seed and the epoch, and is identity without shuffle', () => {
  const a = epochOrder(500, true, 1, 0);
  assert.deepEqual(
    [...a].sort((p, q) => p - q),
    [...epochOrder(500, false, 1, 0)],
  );
  assert.notDeepEqual(a, epochOrder(500, true, 2, 0));
  assert.notDeepEqual(a, epochOrder(500, true, 1, 1));
  assert.deepEqual([...epochOrder(4, false, 9, 9)], [0, 1, 2, 3]);
});
