/** Types shared by the Keras file readers, the loader and the writers. */

/** One Keras variable as stored in a file: `name` is where it was found (dataset path or weight name). */
export interface WeightTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Per-layer weights, in Keras' own variable order for that layer. */
export type WeightMap = Map<string, WeightTensor[]>;

export type KerasFileFormat = 'keras' | 'h5' | 'weights.h5';

/** A Keras model file, read: the model's Keras JSON and its weights. */
export interface KerasModelFile {
  format: KerasFileFormat;
  /** `keras_version` from metadata.json or the HDF5 attributes, when the file records it. */
  kerasVersion?: string;
  /** The Keras JSON of the model as `model.to_json()` gives it; absent for a weights-only file. */
  modelConfig?: Record<string, unknown>;
  /**
   * Weights keyed by layer name as in `modelConfig`. For a Keras 3 weights-only file (no config), keyed
   * by object path (`layers/conv2d`, `layers/lstm/cell`): match them with `matchWeightsToModel`.
   */
  weights: WeightMap;
  /** What `weights` is keyed by: layer names, or (Keras 3 `.weights.h5` only) object paths. */
  weightKeys: 'layer' | 'object-path';
}
