import { DatasetFormatError } from './errors.ts';
import { assertFinite, assertSplitsAgree, makeSplit } from './ndarray.ts';
import type { NdArray } from '../../domain/arrays.ts';
import type { ParsedDataset } from './types.ts';

/** An array parsed from a .npy file, keyed the way numpy names it (`x_train` for `x_train.npy`). */
export interface NamedArray {
  key: string;
  /** Where it came from, for error messages, e.g. "mnist.npz: x_train.npy". */
  source: string;
  array: NdArray;
}

const LAYOUT_HELP =
  'expected arrays named x_train, y_train (and optionally x_test, y_test) as in keras mnist.npz, or x and y';

/** Builds splits from Keras-style array names: x_train/y_train/x_test/y_test, or x/y for a single train split. */
export function splitsFromNamedArrays(format: 'npy' | 'npz', where: string, arrays: NamedArray[]): ParsedDataset {
  const byKey = new Map<string, NamedArray>();
  for (const array of arrays) {
    // Two arrays of one name (x_train.npy in two .npz files, or x_train.npy beside x_train.NPY): keeping
    // either would silently drop the other.
    const seen = byKey.get(array.key);
    if (seen) {
      throw new DatasetFormatError(
        'DUPLICATE_ARRAY',
        `${seen.source} and ${array.source} are both the array "${array.key}"; give each array one file`,
        { where, key: array.key, sources: [seen.source, array.source] },
      );
    }
    byKey.set(array.key, array);
  }
  const pair = (xKey: string, yKey: string) => {
    const x = byKey.get(xKey);
    const y = byKey.get(yKey);
    if (!x && !y) return undefined;
    if (!x || !y) {
      const missing = x ? yKey : xKey;
      throw new DatasetFormatError(
        'NPZ_MISSING_ARRAYS',
        `${where}: found ${x ? xKey : yKey} but no ${missing}; ${LAYOUT_HELP}`,
        { where, missing, found: [...byKey.keys()] },
      );
    }
    const split = makeSplit(x.array, y.array, x.source, y.source);
    assertFinite(x.array, x.source);
    assertFinite(y.array, y.source);
    return { split, names: { x: x.source, y: y.source } };
  };
  const train = pair('x_train', 'y_train') ?? pair('x', 'y');
  const test = pair('x_test', 'y_test');
  if (!train && !test) {
    const found = [...byKey.keys()];
    throw new DatasetFormatError(
      'NPZ_MISSING_ARRAYS',
      `${where}: ${LAYOUT_HELP}; found ${found.length ? found.join(', ') : 'no arrays'}`,
      { where, found },
    );
  }
  if (train && test) assertSplitsAgree(train.split, test.split, { train: train.names, test: test.names });
  const splits: ParsedDataset['splits'] = {};
  if (train) splits.train = train.split;
  if (test) splits.test = test.split;
  return { format, splits };
}

/** Strips folders and the .npy extension: "data/x_train.npy" → "x_train". */
export function arrayKeyFromFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.npy$/i, '');
}
