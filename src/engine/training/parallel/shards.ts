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
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`replicas must be a positive integer, got ${replicas}`);
  const base = Math.floor(rows / replicas);
  const extra = rows % replicas;
  const shards: Shard[] = [];
  let start = 0;
  for (let replica = 0; replica < replicas; replica++) {
    const size = base + (replica < extra ? 1 : 0);
    if (size > 0) shards.push({ replica, start, rows: size });
    start += size;
  }
  return shards;
}
