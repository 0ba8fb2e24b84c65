/** Formats Kiln can read a dataset from. */
export type DatasetFormat = 'idx' | 'npy' | 'npz' | 'csv' | 'image-zip';

/** Element types of parsed tensors; wider numpy/IDX types are narrowed to these. */
export type DType = 'uint8' | 'int32' | 'float32';

/** The typed-array class that backs each dtype. */
export type TypedArrayFor<D extends DType> = D extends 'uint8'
  ? Uint8Array
  : D extends 'int32'
    ? Int32Array
    : Float32Array;

/** A dense row-major (C order) tensor held in a typed array. */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: Uint8Array | Int32Array | Float32Array;
}

/** Inputs and targets of one split; x.shape[0] === y.shape[0]. */
export interface Split {
  x: NdArray;
  y: NdArray;
}

/** What every parser returns. `classes[i]` names label value i when labels were names. */
export interface ParsedDataset {
  format: DatasetFormat;
  splits: { train?: Split; test?: Split };
  classes?: string[];
}

/** One uploaded file. `name` is what the user called it (used in error messages and pairing hints). */
export interface DatasetFile {
  name: string;
  data: Uint8Array;
}

/** Split names used by file-name hints and ZIP folders. */
export type SplitName = 'train' | 'test';
