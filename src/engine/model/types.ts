import type { Issue } from '../../domain/errors.ts';
/** Types of the user-facing model spec (the `model` field of a run spec) and of the validation result. */

/** A dimension of a shape without the batch axis; null means "any size" (Keras None). */
export type Dim = number | null;
export type Shape = Dim[];

/** A layer in a sequential spec: Keras layer arguments inline, in snake_case or camelCase. */
export interface SequentialLayerSpec {
  type: string;
  name?: string;
  [arg: string]: unknown;
}

/** A layer in a functional spec: like a sequential layer plus the names of the tensors it consumes. */
export interface FunctionalLayerSpec {
  name: string;
  /** Layer type; omitted when `shares` is given. */
  type?: string;
  /** Names of inputs or layers whose outputs feed this layer (a single string is allowed). */
  inputs: string | string[];
  /** Name of another layer whose weights this node reuses (Keras shared layer). */
  shares?: string;
  [arg: string]: unknown;
}

export interface FunctionalInputSpec {
  name: string;
  shape: Shape;
  dtype?: 'float32' | 'int32';
}

export interface SequentialModelSpec {
  type: 'sequential';
  name?: string;
  layers: SequentialLayerSpec[];
}

export interface FunctionalModelSpec {
  type: 'functional';
  name?: string;
  inputs: FunctionalInputSpec[];
  layers: FunctionalLayerSpec[];
  outputs: string | string[];
}

/** A Keras `model.to_json()` document (Keras 2 / tf.keras 2.x or Keras 3), parsed. */
export interface KerasModelSpec {
  type: 'keras';
  config: Record<string, unknown>;
}

/**
 * Transfer learning or fine-tuning from a registered model: its layers (up to `upTo`), frozen or not,
 * with new layers on top. `resolved` is filled by the api: the base's Keras config and where its
 * weights are.
 */
export interface TransferModelSpec {
  type: 'transfer';
  /** A model reference: <id>, <name>, <name>@<version> or <name>@<alias>. */
  base: string;
  upTo?: string;
  /** false freezes every base layer (Keras' base.trainable = False); default true. */
  trainable?: boolean;
  freeze?: string[];
  unfreeze?: string[];
  layers?: Array<Record<string, unknown>>;
  name?: string;
  resolved?: { modelId: string; path: string; config: Record<string, unknown> };
}

export type ModelSpec = SequentialModelSpec | FunctionalModelSpec | KerasModelSpec | TransferModelSpec;

/** One problem found in a spec: `path` is a JSON path into the run spec, e.g. `model.layers[3].kernelSize`. */
export type { Issue };

export interface LayerSummary {
  name: string;
  type: string;
  /** Output shape without the batch axis, e.g. [26, 26, 32]. */
  outputShape: Shape;
  params: number;
  /** Names of the layers feeding this one (functional and Keras-functional specs only). */
  inputs?: string[];
  /** Set when this row reuses the weights of another layer; its params are counted there. */
  sharesWeightsWith?: string;
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  inputs: Array<{ name: string; shape: Shape }>;
  outputs: Array<{ name: string; shape: Shape }>;
}

export type ValidationResult = { ok: true; summary: ModelSummary } | { ok: false; errors: Issue[] };
