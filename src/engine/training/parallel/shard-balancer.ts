import { shardRows, shardRowsByWeight, type Shard } from './shards.ts';

/** How each global batch is split over the replicas; told after every step how long each shard took. */
export interface ShardPlanner {
  split(rows: number): Shard[];
  /** A replica spent `ms` on a shard of `rows` rows (its own work: not the wait for messages). */
  record(replica: number, rows: number, ms: number): void;
}

/** Weight of the newest step in the running ms-per-row figure: a few steps follow a change of pace. */
const SMOOTHING = 0.3;

/**
 * Splits every batch in proportion to each replica's recent speed (rows per ms, smoothed over the
 * last few steps), so replicas finish together and the step waits on none of them. Replicas do not
 * run equally fast: on a shared or virtual machine one core can be a third slower than the other for
 * minutes at a time (noisy neighbours, frequency), and the training thread also reads the weights
 * and runs the optimizer. An even split makes every step as slow as the slowest replica.
 *
 * Until every replica has been timed once, the split is even. The figure per row includes each
 * step's fixed cost, so a replica given fewer rows looks slower per row than it is; re-splitting by
 * it still converges to equal shard times, which is the goal.
 */
export class ShardBalancer implements ShardPlanner {
  private readonly msPerRow: (number | undefined)[];

  constructor(private readonly replicas: number) {
    this.msPerRow = Array<number | undefined>(replicas).fill(undefined);
  }

  split(rows: number): Shard[] {
    const rates = this.msPerRow;
    if (rates.some((v) => v === undefined)) return shardRows(rows, this.replicas);
    return shardRowsByWeight(rows, rates.map((v) => 1 / v!));
  }

  record(replica: number, rows: number, ms: number): void {
    if (rows <= 0 || !(ms > 0)) return;
    const latest = ms / rows;
    const before = this.msPerRow[replica];
    this.msPerRow[replica] = before === undefined ? latest : before + SMOOTHING * (latest - before);
  }

  /** The smoothed ms per row of each replica (undefined until timed), for logs and tests. */
  rates(): (number | undefined)[] {
    return [...this.msPerRow];
  }
}
