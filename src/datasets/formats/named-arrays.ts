import { DatasetFormatError } from './errors.ts';
import { assertFinite, assertSplitsAgree, makeSplit } from './ndarray.ts';
import type { NdArray } from '../../domain/arrays.ts';
import type { NamedSplits, ParsedDataset, SplitName } from './types.ts';

/** An array parsed from a .npy file, keyed the way numpy names it (`x_train` for `x_train.npy`). */
export interface NamedArray {
  key: string;
  /** Where it came from, for error messages, e.g. "mnist.npz: x_train.npy". */
  source: string;
  array: NdArray;
}

const LAYOUT_HELP =
  'expected arrays named x_train, y_train (and optionally x_test, y_test) as in keras mnist.npz, or x and y';

/** The names of Keras' x/y layout; any other name makes the dataset one of named arrays. */
const XY_KEYS = new Set(['x', 'y', 'x_train', 'y_train', 'x_test', 'y_test']);

/** What an array may be called: it becomes part of an artifact key and of a run's mapping. */
const ARRAY_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * Builds splits from Keras-style array names (x_train/y_train/x_test/y_test, or x/y for a single train
 * split), or, when any array has another name, a dataset of named arrays.
 */
export function splitsFromNamedArrays(
  format: 'npy' | 'npz' | 'idx',
  where: string,
  arrays: NamedArray[],
): ParsedDataset {
  const byKey = uniqueKeys(where, arrays);
  if ([...byKey.keys()].some((key) => !XY_KEYS.has(key))) return namedLayout(format, where, byKey);
  return xyLayout(format, where, byKey);
}

function uniqueKeys(where: string, arrays: NamedArray[]): Map<string, NamedArray> {
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
  return byKey;
}

function xyLayout(format: 'npy' | 'npz' | 'idx', where: string, byKey: Map<string, NamedArray>): ParsedDataset {
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

/**
 * Arrays named per model input and output (`image`, `text`, `category`…): a `_train` / `_test`
 * suffix puts an array in that split, no suffix in train. Every array of a split has one row per
 * sample, and the test split holds the same arrays as train, of the same sample shape and kind.
 */
function namedLayout(format: 'npy' | 'npz' | 'idx', where: string, byKey: Map<string, NamedArray>): ParsedDataset {
  const bySplit: Partial<Record<SplitName, Map<string, NamedArray>>> = {};
  for (const [key, array] of byKey) {
    const match = /^(.*)_(train|test)$/.exec(key);
    const [name, split] = match ? [match[1]!, match[2] as SplitName] : [key, 'train' as const];
    if (!ARRAY_NAME.test(name)) {
      throw new DatasetFormatError(
        'BAD_ARRAY_NAME',
        `${array.source}: array name "${name}" must start with a letter and hold only letters, digits, _ . - (at most 100)`,
        { where, key },
      );
    }
    const named = (bySplit[split] ??= new Map());
    if (named.has(name)) {
      throw new DatasetFormatError(
        'DUPLICATE_ARRAY',
        `${named.get(name)!.source} and ${array.source} are both the ${split} array "${name}"`,
        { where, key: name, sources: [named.get(name)!.source, array.source] },
      );
    }
    if (array.array.shape.length === 0) {
      throw new DatasetFormatError(
        'COUNT_MISMATCH',
        `${array.source} is a scalar; every array holds one row per sample`,
        { where, key },
      );
    }
    assertFinite(array.array, array.source);
    named.set(name, array);
  }
  for (const named of Object.values(bySplit)) assertSameRows(named);
  if (bySplit.train && bySplit.test) assertSameArrays(bySplit.train, bySplit.test);
  const arrays: NamedSplits = {};
  for (const [split, named] of Object.entries(bySplit) as Array<[SplitName, Map<string, NamedArray>]>) {
    arrays[split] = Object.fromEntries([...named].map(([name, a]) => [name, a.array]));
  }
  return { format, splits: {}, arrays };
}

function assertSameRows(named: Map<string, NamedArray>): void {
  const [first, ...rest] = [...named.values()];
  for (const other of rest) {
    if (other.array.shape[0] !== first!.array.shape[0]) {
      throw new DatasetFormatError(
        'COUNT_MISMATCH',
        `${first!.source} has ${first!.array.shape[0]} rows but ${other.source} has ${other.array.shape[0]}; every array of a split holds one row per sample`,
        { xName: first!.source, yName: other.source, xCount: first!.array.shape[0], yCount: other.array.shape[0] },
      );
    }
  }
}

function assertSameArrays(train: Map<string, NamedArray>, test: Map<string, NamedArray>): void {
  const only = (a: Map<string, NamedArray>, b: Map<string, NamedArray>) => [...a.keys()].filter((k) => !b.has(k));
  const missing = [...only(train, test).map((k) => `${k}_test`), ...only(test, train).map((k) => `${k}_train`)];
  if (missing.length) {
    throw new DatasetFormatError(
      'SPLIT_MISMATCH',
      `the train and test splits must hold the same arrays: missing ${missing.join(', ')}`,
      { missing },
    );
  }
  for (const [name, a] of train) {
    const b = test.get(name)!;
    assertSplitsAgree(
      { x: a.array, y: a.array },
      { x: b.array, y: b.array },
      {
        train: { x: a.source, y: a.source },
        test: { x: b.source, y: b.source },
      },
    );
  }
}
