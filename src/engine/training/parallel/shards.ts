/** A contiguous block of a global batch's rows that one replica trains on. */
export interface Shard {
  replica: number;
  start: number;
  rows: number;
}

/**
 * Splits `rows` into one contiguous block per replica, as even as possible, the larger blocks first
 * (130 rows over 2 replicas: 65 + 65; 5 over 2: 3 + 2). Replicas left without a row (a last batch
 * shorter than the replica count) get no shard at all.
 */
export function shardRows(rows: number, replicas: number): Shard[] {
  if (!Number.isInteger(replicas) || replicas < 1)
    throw new Error(`replicas must be a positive integer, got ${replicas}`);
  return shardRowsByWeight(rows, Array<number>(replicas).fill(1));
}

/**
 * Splits `rows` into contiguous blocks in proportion to `weights` (one per replica, in replica
 * order), rounding by largest remainder with ties to the earlier replica. Every replica keeps at
 * least one row while there are rows enough, so none sits out a step because its weight is small;
 * with fewer rows than replicas the first ones get a row each and the rest no shard.
 */
export function shardRowsByWeight(rows: number, weights: number[]): Shard[] {
  if (weights.length === 0 || weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new Error(`replica weights must be positive numbers, got [${weights.join(', ')}]`);
  }
  const n = weights.length;
  const sizes = Array<number>(n).fill(0);
  if (rows < n) sizes.fill(1, 0, rows);
  else {
    const total = weights.reduce((a, b) => a + b, 0);
    const exact = weights.map((w) => (rows * w) / total);
    exact.forEach((e, r) => (sizes[r] = Math.floor(e)));
    const left = rows - sizes.reduce((a, b) => a + b, 0);
    const byRemainder = exact
      .map((e, r) => ({ r, frac: e - Math.floor(e) }))
      .sort((a, b) => b.frac - a.frac || a.r - b.r);
    for (let k = 0; k < left; k++) sizes[byRemainder[k]!.r]! += 1;
    // A replica rounded down to nothing takes a row from the largest shard: none sits out a step.
    for (let r = 0; r < n; r++) {
      if (sizes[r] === 0) {
        sizes[sizes.indexOf(Math.max(...sizes))]! -= 1;
        sizes[r] = 1;
      }
    }
  }
  const shards: Shard[] = [];
  let start = 0;
  sizes.forEach((size, replica) => {
    if (size > 0) shards.push({ replica, start, rows: size });
    start += size;
  });
  return shards;
}
