// Histograms bucketed like TensorFlow's legacy tf.summary.histogram (tsl/lib/histogram/histogram.cc), so Kiln's
// charts look like the ones users know from Keras.
import type { HistogramData } from './event-proto.ts';

let defaultLimits: Float64Array | undefined;

/** TF's default bucket upper limits: -DBL_MAX, -1e20.., -1e-12, 0, 1e-12, ..1e20, DBL_MAX, growing by 10% per bucket. */
export function defaultBucketLimits(): Float64Array {
  if (defaultLimits) return defaultLimits;
  const positive: number[] = [];
  // Repeated multiplication (not 1.1 ** k) reproduces TF's limits bit for bit.
  for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v);
  positive.push(Number.MAX_VALUE);
  const negative = positive.map((v) => -v).reverse();
  defaultLimits = Float64Array.from([...negative, 0, ...positive]);
  return defaultLimits;
}

/** Index of the first limit strictly greater than `value` (TF's std::upper_bound). */
function bucketIndex(limits: Float64Array, value: number): number {
  let lo = 0;
  let hi = limits.length - 1; // the last limit is DBL_MAX, so a finite value always lands at or before it
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (limits[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Summarises `values` into TF's default buckets. Runs of empty buckets collapse into one, as TF's encoder does,
 * so bucket ranges stay correct while the proto stays small. Non-finite values (NaN, ±Infinity, e.g. from a
 * diverged model) are left out rather than failing the training run.
 */
export function buildHistogram(values: ArrayLike<number>): HistogramData {
  const limits = defaultBucketLimits();
  const counts = new Float64Array(limits.length);
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[bucketIndex(limits, v)]++;
    if (v < min) min = v;
    if (v > max) max = v;
    num++;
    sum += v;
    sumSquares += v * v;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < counts.length;) {
    let end = limits[i];
    const count = counts[i];
    i++;
    if (count === 0) {
      while (i < counts.length && counts[i] === 0) end = limits[i++];
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit, bucket };
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}
