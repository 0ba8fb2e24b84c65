import type { FeatureColumn } from './dataset.ts';

/**
 * A trained model as every layer speaks of it: the engine produces it, the run's final event carries
 * it, the registry stores it and serving reads it.
 */

/** One input or output of a model: its name, shape (batch dimension as null) and dtype. */
export interface TensorSpec {
  name: string;
  shape: (number | null)[];
  dtype: string;
}

/** A model's inputs and outputs by name, shape and dtype, as serving reports them. */
export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/**
 * What serving must do to raw inputs to match training: the scale, or the training set's per-feature
 * statistics; and for a CSV dataset with categorical columns, how a record {column: value} becomes a row.
 */
export type ServingPreprocessing = ({ scale: number } | { mean: number[]; std: number[] } | object) & {
  columns?: FeatureColumn[];
};

/** What a succeeded run hands the registry: where the model is, its signature, and how to read raw inputs. */
export interface TrainedModel {
  path: string;
  signature: ModelSignature;
  labels?: string[];
  preprocessing?: ServingPreprocessing;
}

/** Where a model version came from when no run's training registered it. */
export type ModelSource =
  | { kind: 'import'; format: 'keras' | 'h5' | 'weights.h5' | 'tfjs'; file: string; kerasVersion?: string }
  | { kind: 'checkpoint'; runId: string; checkpoint: 'latest' | 'best'; epoch: number };

/** The file formats a model is downloaded in: TensorFlow.js (a tar), Keras 3 `.keras`, legacy Keras `.h5`. */
export const EXPORT_FORMATS = ['tfjs', 'keras', 'h5'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
