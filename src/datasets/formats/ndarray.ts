import { DatasetFormatError } from './errors.ts';
import type { NdArray } from '../../domain/arrays.ts';
import type { Split, SplitName } from './types.ts';

/** Number of elements a tensor of this shape holds (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Pairs inputs with targets, refusing splits whose sample counts disagree. */
export function makeSplit(x: NdArray, y: NdArray, xName: string, yName: string): Split {
  const xCount = x.shape[0];
  const yCount = y.shape[0];
  if (x.shape.length === 0 || y.shape.length === 0 || xCount !== yCount) {
    throw new DatasetFormatError(
      'COUNT_MISMATCH',
      `${xName} has ${xCount ?? 'no'} samples but ${yName} has ${yCount ?? 'no'} labels; they must match`,
      { xName, yName, xCount, yCount },
    );
  }
  return { x, y };
}

/**
 * Refuses NaN and ±Infinity in a float array (integer arrays cannot hold them): a single one turns every
 * loss and weight it touches into NaN, and the run fails (or "succeeds" with a useless model) long after
 * ingestion said the data was fine. `name` is the array's file (or archive entry) for the message.
 */
export function assertFinite(array: NdArray, name: string): void {
  if (array.dtype !== 'float32') return;
  const at = firstNonFinite(array.data as Float32Array);
  if (at >= 0) throw nonFinite(name, at, array.data[at]!, array.shape);
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(data: Float32Array): number {
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity: one subtraction per element, less
    // than the sha256 ingestion already computes over the same bytes.
    if (v - v !== 0) return i;
  }
  return -1;
}

/** The error for a value that is not finite at a flat index of an array of `shape`. */
export function nonFinite(name: string, flatIndex: number, value: number, shape: readonly number[]) {
  const at = unravelIndex(flatIndex, shape);
  return new DatasetFormatError(
    'NON_FINITE',
    `${name}: value ${value} at index [${at.join(', ')}] (flat index ${flatIndex}) is not a finite number; ` +
      `features and labels must be finite (a float64 beyond ±3.4e38 becomes Infinity in float32)`,
    { file: name, index: at, flatIndex, value: String(value) },
  );
}

const kindOf = (dtype: NdArray['dtype']) => (dtype === 'float32' ? 'float' : 'integer');

/**
 * Refuses train and test splits whose samples differ in shape, or in kind of number (integer vs float),
 * for features or labels: a model is built for the train split's samples, so a test split of another
 * shape would only fail once training is over. uint8 vs int32 is allowed (the same integers, narrowed or not).
 */
export function assertSplitsAgree(
  train: Split,
  test: Split,
  names: { train: { x: string; y: string }; test: { x: string; y: string } },
): void {
  for (const part of ['x', 'y'] as const) {
    const a = train[part];
    const b = test[part];
    const [aName, bName] = [names.train[part], names.test[part]];
    const aSample = a.shape.slice(1);
    const bSample = b.shape.slice(1);
    if (aSample.length !== bSample.length || aSample.some((d, i) => d !== bSample[i])) {
      throw new DatasetFormatError(
        'SPLIT_MISMATCH',
        `${aName} has shape [${a.shape.join(', ')}] but ${bName} has shape [${b.shape.join(', ')}]: ` +
          `train and test ${part === 'x' ? 'samples' : 'labels'} must have the same shape after the first axis ` +
          `([${aSample.join(', ')}] vs [${bSample.join(', ')}])`,
        { train: { name: aName, shape: a.shape }, test: { name: bName, shape: b.shape } },
      );
    }
    if (kindOf(a.dtype) !== kindOf(b.dtype)) {
      throw new DatasetFormatError(
        'SPLIT_MISMATCH',
        `${aName} holds ${a.dtype} (${kindOf(a.dtype)}) values but ${bName} holds ${b.dtype} (${kindOf(b.dtype)}) values; ` +
          `save train and test with the same dtype`,
        { train: { name: aName, dtype: a.dtype }, test: { name: bName, dtype: b.dtype } },
      );
    }
  }
}

/** Guesses the split from a file or folder name ("t10k" is MNIST's name for its test set). */
export function splitHintFromName(name: string): SplitName | undefined {
  const base = name.toLowerCase().split(/[\\/]/).pop() ?? '';
  // The word must start the name or follow a non-letter, so "latest.csv" is not a test file.
  if (/(^|[^a-z])(t10k|test)/.test(base)) return 'test';
  if (/(^|[^a-z])train/.test(base)) return 'train';
  return undefined;
}

/** Orders class names the same way everywhere so label indices are reproducible. */
export function sortClassNames(names: Iterable<string>): string[] {
  // Code-unit order, not localeCompare: the result must not depend on the server's locale.
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Turns a flat C-order position into a per-axis index, for error messages. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis]!;
    index[axis] = dim === 0 ? 0 : flat % dim;
    flat = dim === 0 ? 0 : Math.floor(flat / dim);
  }
  return index;
}
