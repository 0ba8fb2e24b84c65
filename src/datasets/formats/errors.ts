import { KilnError } from '../../domain/errors.ts';

/**
 * Stable error codes; clients branch on `code`, humans read `message`.
 * Every message names the file (and entry, row, column) at fault.
 */
export type DatasetErrorCode =
  | 'UNKNOWN_FORMAT'
  | 'MIXED_FORMATS'
  | 'NO_FILES'
  | 'GZIP_CORRUPT'
  | 'TOO_LARGE'
  | 'IDX_BAD_MAGIC'
  | 'IDX_TRUNCATED'
  | 'IDX_TRAILING_BYTES'
  | 'IDX_PAIRING'
  | 'COUNT_MISMATCH'
  | 'SPLIT_MISMATCH'
  | 'NON_FINITE'
  | 'DUPLICATE_ARRAY'
  | 'BAD_ARRAY_NAME'
  | 'INT_OUT_OF_RANGE'
  | 'NPY_BAD_MAGIC'
  | 'NPY_BAD_HEADER'
  | 'NPY_UNSUPPORTED_DTYPE'
  | 'NPY_OBJECT_ARRAY'
  | 'NPY_FORTRAN_ORDER'
  | 'NPY_TRUNCATED'
  | 'NPZ_MISSING_ARRAYS'
  | 'CSV_EMPTY'
  | 'CSV_NO_HEADER'
  | 'CSV_UNTERMINATED_QUOTE'
  | 'CSV_COLUMN_COUNT'
  | 'CSV_TOO_MANY_COLUMNS'
  | 'CSV_UNKNOWN_COLUMN'
  | 'CSV_NOT_NUMERIC'
  | 'CSV_MISSING_VALUE'
  | 'SPLIT_CONFLICT'
  | 'ZIP_CORRUPT'
  | 'ZIP_UNSAFE_PATH'
  | 'ZIP_TOO_MANY_FILES'
  | 'ZIP_TOO_LARGE'
  | 'IMAGE_ZIP_LAYOUT'
  | 'IMAGE_ZIP_EMPTY'
  | 'IMAGE_UNDECODABLE'
  | 'TAR_CORRUPT'
  | 'PICKLE_UNSUPPORTED'
  | 'CIFAR_LAYOUT'
  | 'INVALID_OPTION';

/**
 * A problem with the user's data (not a bug in Kiln): safe to show to the user as-is. A KilnError
 * whose code is one of the dataset codes above.
 */
export class DatasetFormatError extends KilnError {
  declare readonly code: DatasetErrorCode;
  override name = 'DatasetFormatError';

  constructor(code: DatasetErrorCode, message: string, details?: object) {
    super(code, message, { details });
  }
}
