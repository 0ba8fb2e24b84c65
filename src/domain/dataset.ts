/**
 * A dataset as a run names it, once the api has looked it up: where its arrays are (a registered
 * dataset in the artifact store, or a built-in one to download), and what the api checks a run
 * against before queueing it.
 */

import { Type, type Static } from '@sinclair/typebox';
import type { DType, FileArray, NdArray } from './arrays.ts';

/** Where the worker finds a dataset given by id: in the artifact store, or a built-in one to download. */
export const ResolvedDatasetSchema = Type.Union([
  Type.Object({ kind: Type.Literal('stored'), prefix: Type.String(), sha256: Type.String() }),
  Type.Object({ kind: Type.Literal('builtin'), name: Type.String() }),
]);

export type ResolvedDataset = Static<typeof ResolvedDatasetSchema>;

/** A dataset's smallest and largest label (one value per sample), recorded at ingestion. */
export interface LabelRange {
  min: number;
  max: number;
  /** Every label is a whole number (a class index, if in range). */
  integers: boolean;
}

/**
 * One feature column of a CSV dataset, in the order of the features: a number, or a categorical
 * column one-hot encoded over `values` (its vocabulary, recorded at ingestion and applied at predict time).
 */
export interface FeatureColumn {
  name: string;
  values?: string[];
}

/** One named array of a dataset, as the api checks a run's mapping against it. */
export interface NamedArrayInfo {
  dtype: DType;
  /** One sample's shape (without the row axis). */
  shape: number[];
  /** Smallest and largest value of an integer array of one value per sample (class indices). */
  range: LabelRange | null;
  /** Class names, when the array's values were names (a CSV's text label column). */
  classes?: string[];
}

/** What the api knows of a dataset given by id: one sample's shape and, for class labels, how many classes. */
export interface DatasetInfo {
  inputShape: number[];
  numClasses?: number;
  /** Its labels' range, when one value per sample (datasets ingested before it was recorded have none). */
  labelRange?: LabelRange;
  /** Rows a run splits (its train split), when known: the test and validation splits are then checked as for inline data. */
  samples?: number;
  /** The dataset has a test split of its own, which is the run's test set (dataset.testSplit is then not used). */
  hasTestSplit?: boolean;
  /** A dataset of named arrays: each array by name (inputShape and the label facts are then unused). */
  arrays?: Record<string, NamedArrayInfo>;
}

/** A split as training reads it: labels in memory, features in memory or (when large) in a local file. */
export interface OpenedSplit {
  x: NdArray | FileArray;
  y: NdArray;
}

/** A dataset's named arrays per split (one per model input and output), in memory or in local files. */
export type OpenedNamedSplits = Partial<Record<'train' | 'test', Record<string, NdArray | FileArray>>>;

/**
 * A dataset given by id, downloaded, verified and opened by the worker before training starts: the
 * engine trains on it without knowing where it came from. close() removes any local copy.
 */
export interface OpenedDataset {
  splits: Partial<Record<'train' | 'test', OpenedSplit>>;
  /** A dataset of named arrays has these instead of splits; a run maps them to the model's inputs and outputs. */
  arrays?: OpenedNamedSplits;
  /** `classes[i]` names label value i, when the labels were names. */
  classes?: string[];
  /** Arrays read from local files rather than memory (past the training process's memory budget). */
  onDisk?: string[];
  /** A CSV dataset's feature columns, when some are categorical: serving encodes records by them. */
  featureColumns?: FeatureColumn[];
  /** The sha256 of a built-in dataset's files as loaded (a registered one's is known at submission). */
  sha256?: string;
  close(): Promise<void>;
}
