/**
 * How many rows each split of a dataset gets, in one place for the api's check and the worker's
 * split, so that what the api accepts is what the worker trains on.
 *
 * Keras' validation_split keeps `split_at = int(n * (1 - validation_split))` rows for training and
 * holds out the rest (the last rows), so a split of 0.2 of 4 rows holds out 1 (not floor(4·0.2) = 0)
 * and 0.25 of 10 holds out 3. Kiln's test split is taken the same way, first, from all rows; the
 * validation split then from what remains.
 */

/** Rows held out (the last ones) by a split `fraction` of `n`, as Keras counts them. */
export function heldOutRows(n: number, fraction: number | undefined): number {
  if (!fraction || fraction <= 0 || n <= 0) return 0;
  return n - Math.floor(n * (1 - fraction));
}

export interface SplitCounts {
  /** Rows left for training. */
  train: number;
  validation: number;
  test: number;
}

/** Test rows first (the last of all rows), then validation rows (the last of the rest). */
export function splitCounts(
  n: number,
  testSplit: number | undefined,
  validationSplit: number | undefined,
): SplitCounts {
  const test = heldOutRows(n, testSplit);
  const rest = n - test;
  const validation = heldOutRows(rest, validationSplit);
  return { train: rest - validation, validation, test };
}
