import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardRows } from '../../../src/engine/training/parallel/shards.ts';

test('a batch splits into contiguous, near-equal row blocks, larger ones first', () => {
  assert.deepEqual(shardRows(128, 2), [{ replica: 0, start: 0, rows: 64 }, { replica: 1, start: 64, rows: 64 }]);
  assert.deepEqual(shardRows(13, 2), [{ replica: 0, start: 0, rows: 7 }, { replica: 1, start: 7, rows: 6 }]);
  assert.deepEqual(shardRows(7, 3).map((s) => s.rows), [3, 2, 2]);
  assert.deepEqual(shardRows(10, 1), [{ replica: 0, start: 0, rows: 10 }]);
});

test('replicas left without a row get no shard', () => {
  assert.deepEqual(shardRows(1, 3), [{ replica: 0, start: 0, rows: 1 }]);
  assert.deepEqual(shardRows(2, 3), [{ replica: 0, start: 0, rows: 1 }, { replica: 1, start: 1, rows: 1 }]);
});

test('a replica count that is not a positive integer is refused', () => {
  assert.throws(() => shardRows(8, 0), /positive integer/);
  assert.throws(() => shardRows(8, 1.5), /positive integer/);
});
