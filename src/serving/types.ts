import type { FeatureColumn } from '../domain/dataset.ts';
import type { ModelSignature } from '../domain/model.ts';

/** How raw values become one input of the model, as the training data was prepared. */
export interface InputPreprocessing {
  /** Multiplies every value (e.g. 1/255 for pixels). */
  scale?: number;
  /** Added after scaling. */
  offset?: number;
  /**
   * Per-feature standardization (`preprocess: {standardize: true}`): the training set's mean and std of
   * each value of a row, in row-major order; applied as (x - mean) / std after scale and offset.
   */
  mean?: number[];
  std?: number[];
  /** A CSV dataset's feature columns (categorical ones with their values): a record {column: value} is encoded by them. */
  columns?: FeatureColumn[];
  /** Size and channels base64 images are decoded and resized to; else taken from the input's shape. */
  image?: { size: [number, number]; channels: 1 | 3 };
}

/**
 * What the Model row's `preprocessing` column holds: either one record for every input, or one per
 * input name under `inputs` (for multi-input models).
 */
export type Preprocessing = InputPreprocessing & { inputs?: Record<string, InputPreprocessing> };

/** Class names: one list for every classifier output, or one list per output name. */
export type Labels = string[] | Record<string, string[]>;

/** The registry row the serving path needs. */
export interface ServedModelRecord {
  id: string;
  name: string;
  version: number;
  path: string;
  signature: ModelSignature;
  labels: Labels | null;
  preprocessing: Preprocessing | null;
}

/** A decoded request: for each model input (in the model's order) a flat float buffer of `count` rows. */
export interface DecodedBatch {
  count: number;
  inputs: Float32Array[];
}

/** One model output of one batch: a flat buffer and the shape of one row. */
export interface OutputRows {
  name: string;
  rowShape: number[];
  data: Float32Array;
}
