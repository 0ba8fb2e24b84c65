import { parseCsv, type CsvOptions } from './csv.ts';
import { detectFormat } from './detect.ts';
import { DatasetFormatError } from './errors.ts';
import { parseIdx } from './idx.ts';
import { parseImageZip, type ImageZipOptions } from './image-zip.ts';
import type { SizeLimits } from './limits.ts';
import { parseNpyFiles, parseNpz } from './npz.ts';
import type { DatasetFile, DatasetFormat, ParsedDataset } from './types.ts';

export type { CsvOptions } from './csv.ts';
export type { ImageZipOptions } from './image-zip.ts';
export type { ImageShapeOptions } from './image-decode.ts';
export type { SizeLimits } from './limits.ts';
export type * from './types.ts';
export { DatasetFormatError, type DatasetErrorCode } from './errors.ts';
export { detectFormat, detectFileFormat } from './detect.ts';
export { decodeImage } from './image-decode.ts';
export { parseCsv } from './csv.ts';
export { parseIdx, parseIdxFile } from './idx.ts';
export { parseImageZip } from './image-zip.ts';
export { parseNpy } from './npy.ts';
export { parseNpz, parseNpyFiles } from './npz.ts';

/** Options for parseDataset; each parser reads only its own part. */
export interface ParseDatasetOptions {
  /** Skip detection and parse as this format. */
  format?: DatasetFormat;
  csv?: CsvOptions;
  imageZip?: ImageZipOptions;
  /** Caps for gzip (IDX) and .npz expansion; image ZIPs use imageZip's own. */
  limits?: SizeLimits;
}

/** Detects the format of uploaded files and parses them into train/test tensors. */
export function parseDataset(files: DatasetFile[], options: ParseDatasetOptions = {}): ParsedDataset {
  const format = options.format ?? detectFormat(files, { ...options.limits, ...options.imageZip });
  switch (format) {
    case 'idx':
      return parseIdx(files, options.limits);
    case 'npy':
      return parseNpyFiles(files);
    case 'npz':
      return parseNpz(files, options.limits);
    case 'csv':
      return parseCsv(files, options.csv);
    case 'image-zip': {
      if (files.length !== 1) {
        throw new DatasetFormatError(
          'INVALID_OPTION',
          `an image dataset is one ZIP of class folders, got ${files.length} files: ${files.map((f) => f.name).join(', ')}`,
          { files: files.map((f) => f.name) },
        );
      }
      return parseImageZip(files[0]!, { ...options.limits, ...options.imageZip });
    }
  }
}
