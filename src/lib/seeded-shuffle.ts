import seedrandom from 'seedrandom';

/**
 * A Fisher–Yates permutation of 0..n-1 drawn from seedrandom(key): the same key gives the same order on
 * every machine, which is what lets a shuffled order be recorded as its seed rather than as the order.
 */
export function seededPermutation(n: number, key: string): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seedrandom(key);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
