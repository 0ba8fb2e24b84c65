import { type SizeLimits } from './limits.ts';
import { arrayKeyFromFileName, splitsFromNamedArrays, type NamedArray } from './named-arrays.ts';
import { isNpy, parseNpy } from './npy.ts';
import type { DatasetFile, ParsedDataset } from './types.ts';
import { listZipEntries, readZipEntries } from './zip.ts';

/**
 * Parses .npz archives (as np.savez / np.savez_compressed write them) holding x_train/y_train/... arrays,
 * and any loose .npy files uploaded beside them (named by their file names, as parseNpyFiles does).
 */
export function parseNpz(files: DatasetFile[], limits: SizeLimits = {}): ParsedDataset {
  const arrays: NamedArray[] = [];
  for (const file of files) {
    if (isNpy(file.data)) {
      arrays.push(looseNpy(file));
      continue;
    }
    const entries = listZipEntries(file.name, file.data, limits).filter((e) => e.name.toLowerCase().endsWith('.npy'));
    for (const entry of readZipEntries(file.name, file.data, entries)) {
      const source = `${file.name}: ${entry.name}`;
      arrays.push({ key: arrayKeyFromFileName(entry.name), source, array: parseNpy(source, entry.data) });
    }
  }
  return splitsFromNamedArrays('npz', files.map((f) => f.name).join(', '), arrays);
}

/** Parses loose .npy files named after the arrays they hold (x_train.npy, y_train.npy, ... or x.npy, y.npy). */
export function parseNpyFiles(files: DatasetFile[]): ParsedDataset {
  const arrays = files.map(looseNpy);
  return splitsFromNamedArrays('npy', files.map((f) => f.name).join(', '), arrays);
}

const looseNpy = (file: DatasetFile): NamedArray => ({
  key: arrayKeyFromFileName(file.name),
  source: file.name,
  array: parseNpy(file.name, file.data),
});
