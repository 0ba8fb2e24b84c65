import { shardRows, shardRowsByWeight, type Shard } from './shards.ts';

/** How each global batch is split over the replicas; told after every step how long each shard took. */
export interface ShardPlanner {
  split(rows: number): Shard[];
  /** A replica spent `ms` on a shard of `rows` rows (its own work: not the wait for messages). */
  record(replica: number, rows: number, ms: number): void;
}

/**
 * Steps each replica's speed is judged over (the median of their ms per row): a step slowed by a
 * burst from another tenant, common on a shared machine, moves nothing, while a lasting change of
 * pace takes over after half as many steps.
 */
const WINDOW = 8;

/**
 * Paces closer than this (fastest / slowest) count as equal and split evenly. Moving rows costs a
 * little each time (the per-step noise of a shared machine is ±10 %, and a split that chases it is
 * wrong as often as right); it pays when a core is lastingly slower, as by a quarter or a third here.
 */
const EVEN_WITHIN = 1.1;

/**
 * Splits every batch in proportion to each replica's recent speed (rows per ms, the median of the
 * last WINDOW steps), so replicas finish together and the step waits on none of them. Replicas do not
 * run equally fast: on a shared or virtual machine one core can be a third slower than the other for
 * minutes at a time (noisy neighbours, frequency), and laptops mix fast and efficient cores. An
 * even split makes every step as slow as the slowest replica.
 *
 * Until every replica has been timed once, and while their paces are within EVEN_WITHIN of each
 * other, the split is even. The figure per row includes each step's fixed cost, so a replica given
 * fewer rows looks slower per row than it is; re-splitting by it still converges to equal shard
 * times, which is the goal.
 */
export class ShardBalancer implements ShardPlanner {
  /** Each replica's recent ms per row, oldest first. */
  private readonly recent: number[][];

  constructor(private readonly replicas: number) {
    this.recent = Array.from({ length: replicas }, () => []);
  }

  split(rows: number): Shard[] {
    const rates = this.rates();
    if (rates.some((v) => v === undefined)) return shardRows(rows, this.replicas);
    const paces = rates as number[];
    if (Math.max(...paces) / Math.min(...paces) < EVEN_WITHIN) return shardRows(rows, this.replicas);
    return shardRowsByWeight(
      rows,
      paces.map((v) => 1 / v),
    );
  }

  record(replica: number, rows: number, ms: number): void {
    if (rows <= 0 || !(ms > 0)) return;
    const recent = this.recent[replica]!;
    recent.push(ms / rows);
    if (recent.length > WINDOW) recent.shift();
  }

  /** Each replica's ms per row (the median of its recent steps; undefined until timed), for logs and tests. */
  rates(): (number | undefined)[] {
    return this.recent.map((values) => {
      if (values.length === 0) return undefined;
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
    });
  }
}
