import { DatasetFormatError } from './errors.ts';
import type { NdArray, Split, SplitName } from './types.ts';

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
