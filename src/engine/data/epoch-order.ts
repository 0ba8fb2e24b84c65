import seedrandom from 'seedrandom';

/**
 * The sample order of one epoch: 0..n-1, or a seeded Fisher–Yates shuffle of it keyed by
 * `${seed}:${epoch}`: the one order both the whole-tensor loop and the stream use, so a batch is the
 * same whichever path built it. Kept free of tfjs so the prefetch worker can load this module cheaply.
 */
export function epochOrder(n: number, shuffle: boolean, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return order;
  const random = seedrandom(`${seed}:${epoch}`);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
