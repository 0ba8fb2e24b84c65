import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import { assertFinite } from './formats/ndarray.ts';
import { arrayKeyFromFileName, splitsFromNamedArrays, type NamedArray } from './formats/named-arrays.ts';
import { parseNpy } from './formats/npy.ts';
import { lazyNpy, readNpyStreamHeader, type NpyStreamFile } from './formats/npy-stream.ts';
import type { LazyArray, LazyDataset } from './formats/types.ts';
import type { NdArray } from '../domain/arrays.ts';

/** Uploads that are all loose .npy files are streamed: a dataset larger than the worker's memory ingests. */
export function streamsAsNpy(keys: string[], format: unknown): boolean {
  return (format === undefined || format === 'npy') && keys.length > 0 && keys.every((k) => /\.npy$/i.test(k));
}

/**
 * Loose .npy uploads as a LazyDataset, read from the store as streams: their checksum in one pass, their
 * headers (the layout, x/y or named arrays, checked as parseNpyFiles checks it), then each array's data
 * converted as it is written. Labels of an x/y dataset are read whole (one value or row per sample).
 */
export async function streamedNpyDataset(
  io: ArtifactStore,
  keys: string[],
): Promise<{ dataset: LazyDataset; sha256: string; sizeBytes: number }> {
  const files: NpyStreamFile[] = keys
    .map((key) => ({ name: key.split('/').pop()!, open: () => io.getStream(key), key }))
    .sort((a, b) => a.name.localeCompare(b.name));
  // The same checksum as for files read whole: their bytes in name order.
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for (const file of files) {
    for await (const chunk of await file.open()) {
      hash.update(chunk as Uint8Array);
      sizeBytes += (chunk as Uint8Array).byteLength;
    }
  }
  const headers: Array<Awaited<ReturnType<typeof readNpyStreamHeader>>> = [];
  for (const file of files) headers.push(await readNpyStreamHeader(file));
  // The layout is checked on shapes and dtypes alone (empty data): values are checked as they stream.
  const lazyByPlaceholder = new Map<NdArray, { lazy: LazyArray; file: NpyStreamFile }>();
  const placeholders: NamedArray[] = files.map((file, i) => {
    const header = headers[i]!;
    const array = { dtype: header.kind.dtype, shape: header.shape, data: new Uint8Array(0) };
    lazyByPlaceholder.set(array, { lazy: lazyNpy(file, header), file });
    return { key: arrayKeyFromFileName(file.name), source: file.name, array };
  });
  const layout = splitsFromNamedArrays('npy', files.map((f) => f.name).join(', '), placeholders);
  const dataset: LazyDataset = { format: 'npy', splits: {} };
  for (const [split, pair] of Object.entries(layout.splits) as Array<['train' | 'test', { x: NdArray; y: NdArray }]>) {
    const labels = lazyByPlaceholder.get(pair.y)!.file;
    const stream = await labels.open();
    const bytes: Uint8Array[] = [];
    for await (const chunk of stream) bytes.push(chunk as Uint8Array);
    const y = parseNpy(labels.name, new Uint8Array(Buffer.concat(bytes)));
    assertFinite(y, labels.name);
    dataset.splits[split] = { x: lazyByPlaceholder.get(pair.x)!.lazy, y };
  }
  if (layout.arrays) {
    dataset.arrays = {};
    for (const [split, named] of Object.entries(layout.arrays) as Array<['train' | 'test', Record<string, NdArray>]>) {
      dataset.arrays[split] = Object.fromEntries(
        Object.entries(named).map(([name, placeholder]) => [name, lazyByPlaceholder.get(placeholder)!.lazy]),
      );
    }
  }
  return { dataset, sha256: hash.digest('hex'), sizeBytes };
}
