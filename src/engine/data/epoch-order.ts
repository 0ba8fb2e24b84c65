import { seededPermutation } from '../../lib/seeded-shuffle.ts';

/**
 * The sample order of one epoch: 0..n-1, or a seeded Fisher–Yates shuffle of it keyed by
 * `${seed}:${epoch}`: the one order both the whole-tensor loop and the stream use, so a batch is the
 * same whichever path built it. Kept free of tfjs so the prefetch worker can load this module cheaply.
 */
export function epochOrder(n: number, shuffle: boolean, seed: number, epoch: number): Int32Array {
  if (shuffle) return seededPermutation(n, `${seed}:${epoch}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
