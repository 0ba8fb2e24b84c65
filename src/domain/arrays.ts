/** Arrays as datasets store them and training, evaluation and serving read them. */

/** Element types of stored arrays; wider numpy/IDX types are narrowed to these. */
export type DType = 'uint8' | 'int32' | 'float32';

/** A dense row-major (C order) array held in a typed array. */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: Uint8Array | Int32Array | Float32Array;
}

/**
 * A dense row-major array kept in a local file (raw little-endian, no header) instead of memory: a
 * large set's features, read a row at a time.
 */
export interface FileArray {
  dtype: DType;
  shape: number[];
  path: string;
}
