import type { DType, NdArray } from '../../domain/arrays.ts';
import type { FeatureColumn, LabelRange } from '../../domain/dataset.ts';

/** Formats Kiln can read a dataset from. */
/** `cifar` (cifar-10-python.tar.gz) is only read when named: it is never detected. */
export type DatasetFormat = 'idx' | 'npy' | 'npz' | 'csv' | 'image-zip' | 'cifar';

/** An array whose bytes (little-endian, row-major) are produced in order, piece by piece: never whole in memory. */
export interface LazyArray {
  dtype: DType;
  shape: number[];
  chunks(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Smallest and largest value, known once every chunk has been read (streamed .npy files). */
  range?(): LabelRange | undefined;
}

/** A parsed dataset whose features may be lazy (an image ZIP's images, decoded as they are read). */
export type LazyDataset = Omit<ParsedDataset, 'splits' | 'arrays'> & {
  splits: Partial<Record<SplitName, { x: NdArray | LazyArray; y: NdArray }>>;
  arrays?: Partial<Record<SplitName, Record<string, NdArray | LazyArray>>>;
};

/** Inputs and targets of one split; x.shape[0] === y.shape[0]. */
export interface Split {
  x: NdArray;
  y: NdArray;
}

/** What every parser returns. `classes[i]` names label value i when labels were names. */
export interface ParsedDataset {
  format: DatasetFormat;
  splits: { train?: Split; test?: Split };
  /**
   * Arrays named per model input and output (an NPZ of image, text, category…), per split; `splits`
   * is then empty. A run maps them to its model's inputs and outputs by name.
   */
  arrays?: NamedSplits;
  /** A CSV's feature columns, when some are categorical (one-hot over the recorded values). */
  featureColumns?: FeatureColumn[];
  /** Class names of named arrays whose values were names (a CSV's text label columns), by array. */
  arrayClasses?: Record<string, string[]>;
  classes?: string[];
  /** The seed its rows were shuffled with when stored (image ZIPs, whose files come sorted by folder). */
  shuffleSeed?: number;
}

/** Named arrays per split: every array of a split has one row per sample. */
export type NamedSplits = Partial<Record<SplitName, Record<string, NdArray>>>;

/** One uploaded file. `name` is what the user called it (used in error messages and pairing hints). */
export interface DatasetFile {
  name: string;
  data: Uint8Array;
}

/** Split names used by file-name hints and ZIP folders. */
export type SplitName = 'train' | 'test';
