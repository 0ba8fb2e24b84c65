/** Why a Keras file was refused; callers switch on `code`, people read `message`. */
export type KerasFileErrorCode =
  | 'not-a-keras-file'
  | 'truncated'
  | 'corrupt'
  | 'missing-member'
  | 'missing-config'
  | 'invalid-config'
  | 'zip-bomb'
  | 'hdf5-bomb'
  | 'unsupported-dtype'
  | 'unsupported-model'
  | 'weight-shape'
  | 'weight-count'
  | 'unexpected-weights'
  | 'missing-weights';

/**
 * The one error class of src/keras-files. `path` names what was refused: a layer name, a weight or
 * dataset path inside the HDF5 file (`layers/conv2d/vars/0`), or a zip member (`config.json`).
 */
export class KerasFileError extends Error {
  readonly code: KerasFileErrorCode;
  readonly path: string | undefined;

  constructor(code: KerasFileErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'KerasFileError';
    this.code = code;
    this.path = path;
  }
}
