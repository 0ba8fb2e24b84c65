import { KilnError } from '../../domain/errors.ts';

/** Why a Keras file was refused; callers switch on `code`, people read `message`. */
export type KerasFileErrorCode =
  | 'not_a_keras_file'
  | 'truncated'
  | 'corrupt'
  | 'missing_member'
  | 'missing_config'
  | 'invalid_config'
  | 'zip_bomb'
  | 'hdf5_bomb'
  | 'unsupported_dtype'
  | 'unsupported_model'
  | 'weight_shape'
  | 'weight_count'
  | 'unexpected_weights'
  | 'missing_weights';

/**
 * A Keras file Kiln refuses: a KilnError (a 400) whose code is one of the above. `path` names what was
 * refused: a layer name, a weight or dataset path inside the HDF5 file (`layers/conv2d/vars/0`), or a
 * zip member (`config.json`); it is also the path of the error's one issue.
 */
export class KerasFileError extends KilnError {
  declare readonly code: KerasFileErrorCode;
  override name = 'KerasFileError';
  readonly path: string | undefined;

  constructor(code: KerasFileErrorCode, message: string, path?: string) {
    super(code, message, { issues: path ? [{ path, message }] : [] });
    this.path = path;
  }
}
