import { DatasetFormatError } from './errors.ts';
import { gunzipPrefix, isGzip } from './gzip.ts';
import { looksLikeIdx } from './idx.ts';
import type { SizeLimits } from './limits.ts';
import { isNpy } from './npy.ts';
import type { DatasetFile, DatasetFormat } from './types.ts';
import { isZip, listZipEntries } from './zip.ts';

/** Recognises one file's format from its magic bytes, falling back to the extension only for text (CSV). */
export function detectFileFormat(file: DatasetFile, limits?: SizeLimits): DatasetFormat | undefined {
  const { name, data } = file;
  if (isNpy(data)) return 'npy';
  if (isZip(data)) {
    if (/\.npz$/i.test(name)) return 'npz';
    // A ZIP of only .npy files is an .npz whatever it is called; anything else is treated as image folders.
    const entries = listZipEntries(name, data, limits).filter((e) => !e.name.endsWith('/'));
    return entries.length > 0 && entries.every((e) => /\.npy$/i.test(e.name)) ? 'npz' : 'image-zip';
  }
  if (looksLikeIdx(isGzip(data) ? gunzipPrefix(data) : data)) return 'idx';
  if (/\.(csv|txt)$/i.test(name)) return 'csv';
  return undefined;
}

/** Recognises the format of an upload; every file must be of the same format (.npz and .npy may mix). */
export function detectFormat(files: DatasetFile[], limits?: SizeLimits): DatasetFormat {
  if (files.length === 0) throw new DatasetFormatError('NO_FILES', 'no dataset files were given');
  const formats = files.map((file) => {
    const format = detectFileFormat(file, limits);
    if (!format) {
      throw new DatasetFormatError(
        'UNKNOWN_FORMAT',
        `${file.name} is not a recognised dataset file; supported: IDX (MNIST .idx/.ubyte, optionally .gz), ` +
          `.npy, .npz, .csv, and .zip of image class folders`,
        { file: file.name },
      );
    }
    return format;
  });
  const distinct = [...new Set(formats)];
  // .npz archives and loose .npy files are both arrays named by their files: `a.npz b.npy` is one set of arrays.
  if (distinct.length === 2 && distinct.includes('npy') && distinct.includes('npz')) return 'npz';
  if (distinct.length > 1) {
    const listing = files.map((f, i) => `${f.name} (${formats[i]})`).join(', ');
    throw new DatasetFormatError('MIXED_FORMATS', `all files of a dataset must have the same format, got ${listing}`, {
      files: files.map((f, i) => ({ name: f.name, format: formats[i] })),
    });
  }
  return distinct[0]!;
}
