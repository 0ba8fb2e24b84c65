import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardRows, shardRowsByWeight } from '../../../src/engine/training/parallel/shards.ts';
import { ShardBalancer } from '../../../src/engine/training/parallel/shard-balancer.ts';

test('a batch splits into contiguous, near-equal row blocks, larger ones first', () => {
  assert.deepEqual(shardRows(128, 2), [
    { replica: 0, start: 0, rows: 64 },
    { replica: 1, start: 64, rows: 64 },
  ]);
  assert.deepEqual(shardRows(13, 2), [
    { replica: 0, start: 0, rows: 7 },
    { replica: 1, start: 7, rows: 6 },
  ]);
  assert.deepEqual(
    shardRows(7, 3).map((s) => s.rows),
    [3, 2, 2],
  );
  assert.deepEqual(shardRows(10, 1), [{ replica: 0, start: 0, rows: 10 }]);
});

test('replicas left without a row get no shard', () => {
  assert.deepEqual(shardRows(1, 3), [{ replica: 0, start: 0, rows: 1 }]);
  assert.deepEqual(shardRows(2, 3), [
    { replica: 0, start: 0, rows: 1 },
    { replica: 1, start: 1, rows: 1 },
  ]);
});

test('a replica count that is not a positive integer is refused', () => {
  assert.throws(() => shardRows(8, 0), /positive integer/);
  assert.throws(() => shardRows(8, 1.5), /positive integer/);
});

test('a batch splits in proportion to replica weights, each replica keeping a row while rows last', () => {
  assert.deepEqual(shardRowsByWeight(128, [3, 1]), [
    { replica: 0, start: 0, rows: 96 },
    { replica: 1, start: 96, rows: 32 },
  ]);
  assert.deepEqual(
    shardRowsByWeight(10, [1, 1, 2]).map((s) => s.rows),
    [3, 2, 5],
  );
  // A replica 1,000 times slower still gets its one row, and the rows always add up.
  assert.deepEqual(
    shardRowsByWeight(64, [1000, 1]).map((s) => s.rows),
    [63, 1],
  );
  assert.deepEqual(
    shardRowsByWeight(2, [1, 5, 1]).map((s) => [s.replica, s.rows]),
    [
      [0, 1],
      [1, 1],
    ],
  );
  assert.throws(() => shardRowsByWeight(8, [1, 0]), /positive numbers/);
  assert.throws(() => shardRowsByWeight(8, [1, Number.NaN]), /positive numbers/);
});

test('the balancer splits evenly until timed, then gives the faster replica more rows until both take as long', () => {
  const balancer = new ShardBalancer(2);
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [64, 64],
  );
  balancer.record(0, 64, 40);
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [64, 64],
    'replica 1 not timed yet',
  );
  // Replica 1 is 1.5x slower per row; simulate steps where each shard costs 2 ms plus its rows.
  const msPerRow = [0.6, 0.9];
  let split = balancer.split(128);
  for (let step = 0; step < 30; step++) {
    split.forEach((s) => balancer.record(s.replica, s.rows, 2 + s.rows * msPerRow[s.replica]!));
    split = balancer.split(128);
  }
  const [fast, slow] = split.map((s) => 2 + s.rows * msPerRow[s.replica]!);
  assert.ok(split[0]!.rows >= 75 && split[0]!.rows <= 78, `faster replica's rows: ${split[0]!.rows}`);
  assert.ok(Math.abs(fast! - slow!) < 1.5, `shard times ${fast} and ${slow} ms`);
  assert.equal(split[0]!.rows + split[1]!.rows, 128);
  // A last batch shorter than the replica count still goes to the first replicas, one row each.
  assert.deepEqual(
    new ShardBalancer(3).split(2).map((s) => s.rows),
    [1, 1],
  );
});

test('one slow step does not move the split; a lasting change of pace does', () => {
  const balancer = new ShardBalancer(2);
  for (let step = 0; step < 8; step++) [0, 1].forEach((r) => balancer.record(r, 64, 40));
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [64, 64],
  );
  balancer.record(0, 64, 120); // a burst of load from another tenant
  balancer.record(1, 64, 40);
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [64, 64],
    'a single spike is ignored',
  );
  for (let step = 0; step < 4; step++) [0, 1].forEach((r) => balancer.record(r, 64, r === 0 ? 80 : 40));
  const [slow, fast] = balancer.split(128).map((s) => s.rows);
  assert.ok(slow! < 50 && fast! > 78, `replica 0 now twice as slow: ${slow} + ${fast}`);
});

test('paces within 10 % of each other split evenly: noise does not move rows', () => {
  const balancer = new ShardBalancer(2);
  for (let step = 0; step < 8; step++) [0, 1].forEach((r) => balancer.record(r, 64, r === 0 ? 40 : 43.5));
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [64, 64],
  );
  for (let step = 0; step < 8; step++) [0, 1].forEach((r) => balancer.record(r, 64, r === 0 ? 40 : 46));
  assert.deepEqual(
    balancer.split(128).map((s) => s.rows),
    [68, 60],
    '15 % slower: rows move',
  );
});
