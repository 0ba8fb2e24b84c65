import { parseCifarArchive } from './cifar.ts';
import { parseCsv, type CsvOptions } from './csv.ts';
import { detectFormat } from './detect.ts';
import { DatasetFormatError } from './errors.ts';
import { parseIdx } from './idx.ts';
import { openImageZip, parseImageZip, type ImageZipOptions } from './image-zip.ts';
import type { SizeLimits } from './limits.ts';
import { parseNpyFiles, parseNpz } from './npz.ts';
import type { ImageZipSplit } from './image-zip.ts';
import type { DatasetFile, DatasetFormat, LazyDataset, ParsedDataset } from './types.ts';

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
export { openImageZip, parseImageZip, type ImageZipContents, type ImageZipSplit } from './image-zip.ts';
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
    case 'image-zip':
      return parseImageZip(theOneZip(files), { ...options.limits, ...options.imageZip });
    case 'cifar':
      return parseCifarArchive(files, options.limits);
  }
}

function theOneZip(files: DatasetFile[]): DatasetFile {
  if (files.length !== 1) {
    throw new DatasetFormatError(
      'INVALID_OPTION',
      `an image dataset is one ZIP of class folders, got ${files.length} files: ${files.map((f) => f.name).join(', ')}`,
      { files: files.map((f) => f.name) },
    );
  }
  return files[0]!;
}

/**
 * Like parseDataset, but an image ZIP's images are not decoded here: its x arrays yield them one at a time,
 * so they can be written out as they are decoded (its directory, labels and first image are read now, so
 * layout errors still surface at once).
 */
export function parseDatasetLazily(files: DatasetFile[], options: ParseDatasetOptions = {}): LazyDataset {
  const format = options.format ?? detectFormat(files, { ...options.limits, ...options.imageZip });
  if (format !== 'image-zip') return parseDataset(files, { ...options, format });
  const contents = openImageZip(theOneZip(files), { ...options.limits, ...options.imageZip });
  const splits: LazyDataset['splits'] = {};
  for (const [name, split] of Object.entries(contents.splits) as Array<['train' | 'test', ImageZipSplit]>) {
    splits[name] = {
      x: { dtype: 'uint8', shape: split.shape, chunks: () => split.images() },
      y: { dtype: 'int32', shape: [split.shape[0]], data: split.labels },
    };
  }
  return { format, splits, classes: contents.classes, shuffleSeed: contents.shuffleSeed };
}
