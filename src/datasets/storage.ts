import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { OpenedNamedSplits, OpenedSplit } from '../domain/dataset.ts';
import type { DatasetFormat, LazyArray, LazyDataset, ParsedDataset } from './formats/types.ts';
import type { DType, FileArray, NdArray } from '../domain/arrays.ts';
import type { FeatureColumn, LabelRange, NamedArrayInfo } from '../domain/dataset.ts';
import { labelRange } from './label-range.ts';

/** What a stored dataset holds, per split: every array's dtype and shape. Written last (the commit marker). */
export interface StoredDatasetMeta {
  format: string;
  splits: Partial<
    Record<'train' | 'test', { x: { dtype: DType; shape: number[] }; y: { dtype: DType; shape: number[] } }>
  >;
  /** A dataset of named arrays (per model input and output): each array's dtype and shape, per split. */
  named?: Partial<Record<'train' | 'test', Record<string, ArraySpec>>>;
  /** Per named array of one whole number per sample (class indices): its range over every split. */
  arrayRanges?: Record<string, LabelRange>;
  /** Class names of named arrays whose values were names, by array. */
  arrayClasses?: Record<string, string[]>;
  /** A CSV's feature columns, when some are categorical (one-hot over the recorded values). */
  featureColumns?: FeatureColumn[];
  classes?: string[];
  /** Labels of one value per sample: their range over every split (absent for datasets stored before it was recorded). */
  labelRange?: LabelRange;
  /** Rows were stored in an order shuffled by this seed (image ZIPs), not in the order of the files. */
  shuffleSeed?: number;
}

interface ArraySpec {
  dtype: DType;
  shape: number[];
}

const SPLITS = ['train', 'test'] as const;

/** Where a named array of a split is stored. */
export const namedKey = (prefix: string, split: string, name: string) => `${prefix}/arrays/${split}/${name}.bin`;
const ARRAY_TYPES = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array } as const;
const ELEMENT_BYTES = { uint8: 1, int32: 4, float32: 4 } as const;
/** Pieces written to the store are gathered to this size (images are a few KB each); a few are in flight at once. */
const WRITE_CHUNK_BYTES = 256 * 1024;

const byteLength = (spec: { dtype: DType; shape: number[] }) =>
  spec.shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[spec.dtype];

function bytesOf(array: NdArray): Uint8Array {
  return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
}

/** Gathers small pieces into WRITE_CHUNK_BYTES chunks, checking the total is what the shape declares. */
async function* gathered(key: string, array: LazyArray): AsyncGenerator<Uint8Array> {
  const expected = byteLength(array);
  let buffer = new Uint8Array(WRITE_CHUNK_BYTES);
  let filled = 0;
  let total = 0;
  for await (const piece of array.chunks()) {
    total += piece.byteLength;
    if (total > expected) throw new Error(`${key}: more than the ${expected} bytes its shape [${array.shape}] holds`);
    let from = 0;
    while (from < piece.byteLength) {
      const n = Math.min(piece.byteLength - from, WRITE_CHUNK_BYTES - filled);
      buffer.set(piece.subarray(from, from + n), filled);
      filled += n;
      from += n;
      if (filled === WRITE_CHUNK_BYTES) {
        yield buffer;
        // A fresh buffer: the one yielded may still be queued for writing.
        buffer = new Uint8Array(WRITE_CHUNK_BYTES);
        filled = 0;
      }
    }
  }
  if (total !== expected)
    throw new Error(`${key}: ${total} bytes written, its shape [${array.shape}] holds ${expected}`);
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function putArray(store: ArtifactStore, key: string, array: NdArray | LazyArray): Promise<void> {
  if ('data' in array) await store.put(key, bytesOf(array));
  // Readable.from pulls the next chunk only when the store is ready for it: at most a few chunks in memory.
  else await store.putStream(key, Readable.from(gathered(key, array), { objectMode: false, highWaterMark: 1 }));
}

/** Stores a dataset as raw little-endian arrays under a prefix, meta.json last. Streamed arrays are written as they come. */
export async function writeStoredDataset(
  store: ArtifactStore,
  prefix: string,
  dataset: ParsedDataset | LazyDataset,
): Promise<StoredDatasetMeta> {
  const meta: StoredDatasetMeta = {
    format: dataset.format,
    splits: {},
    ...(dataset.classes ? { classes: dataset.classes } : {}),
    ...(dataset.shuffleSeed === undefined ? {} : { shuffleSeed: dataset.shuffleSeed }),
  };
  for (const name of SPLITS) {
    const split = dataset.splits[name];
    if (!split) continue;
    await putArray(store, `${prefix}/${name}.x.bin`, split.x);
    await putArray(store, `${prefix}/${name}.y.bin`, split.y);
    meta.splits[name] = {
      x: { dtype: split.x.dtype, shape: split.x.shape },
      y: { dtype: split.y.dtype, shape: split.y.shape },
    };
  }
  const range = labelRange(SPLITS.flatMap((name) => dataset.splits[name]?.y ?? []));
  if (range) meta.labelRange = range;
  if (dataset.arrays) Object.assign(meta, await putNamedArrays(store, prefix, dataset.arrays));
  if (dataset.arrayClasses) meta.arrayClasses = dataset.arrayClasses;
  if (dataset.featureColumns) meta.featureColumns = dataset.featureColumns;
  await store.put(`${prefix}/meta.json`, JSON.stringify(meta));
  return meta;
}

async function putNamedArrays(
  store: ArtifactStore,
  prefix: string,
  named: NonNullable<LazyDataset['arrays']>,
): Promise<Pick<StoredDatasetMeta, 'named' | 'arrayRanges'>> {
  const arrays: NonNullable<StoredDatasetMeta['named']> = {};
  for (const split of SPLITS) {
    const byName = named[split];
    if (!byName) continue;
    arrays[split] = {};
    for (const [name, array] of Object.entries(byName)) {
      await putArray(store, namedKey(prefix, split, name), array);
      arrays[split][name] = { dtype: array.dtype, shape: array.shape };
    }
  }
  // The api checks a run's class indices and token ids from these, without reading the arrays.
  const arrayRanges: Record<string, LabelRange> = {};
  for (const name of Object.keys(named.train ?? named.test ?? {})) {
    const parts = SPLITS.flatMap((split) => named[split]?.[name] ?? []);
    const range = parts.every((a) => 'data' in a)
      ? parts.every((a) => a.dtype !== 'float32')
        ? valueRange(parts as NdArray[])
        : labelRange(parts as NdArray[])
      : mergedRange(parts.map((a) => ('data' in a ? undefined : a.range?.())));
    if (range) arrayRanges[name] = range;
  }
  return { named: arrays, arrayRanges };
}

const sizeOf = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** One range over every split's, when each split's is known. */
function mergedRange(ranges: Array<LabelRange | undefined>): LabelRange | undefined {
  if (ranges.length === 0 || ranges.some((r) => r === undefined)) return undefined;
  const known = ranges as LabelRange[];
  return {
    min: Math.min(...known.map((r) => r.min)),
    max: Math.max(...known.map((r) => r.max)),
    integers: known.every((r) => r.integers),
  };
}

/** Smallest and largest value of integer arrays of any shape (token ids, class indices). */
function valueRange(arrays: NdArray[]): LabelRange | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const { data } of arrays) {
    for (const value of data) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return min <= max ? { min, max, integers: true } : undefined;
}

async function readArray(store: ArtifactStore, key: string, spec: { dtype: DType; shape: number[] }): Promise<NdArray> {
  const bytes = await store.get(key);
  // Copy into a fresh, aligned buffer: a Buffer may sit at any offset of a shared pool.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return { dtype: spec.dtype, shape: spec.shape, data: new ARRAY_TYPES[spec.dtype](aligned.buffer) };
}

async function readMeta(store: ArtifactStore, prefix: string): Promise<StoredDatasetMeta> {
  return JSON.parse((await store.get(`${prefix}/meta.json`)).toString('utf8')) as StoredDatasetMeta;
}

/** Bytes of arrays that may still be read into memory; an array that does not fit is read from a local file. */
export interface MemoryBudget {
  remaining: number;
}

export interface OpenStoredOptions {
  /** Shared by every dataset a run opens (default: everything in memory). Labels of x/y datasets are always in memory. */
  budget?: MemoryBudget;
  /** A local directory for those features: the store may be remote, and rows are read by position. */
  localDir: string;
}

/**
 * Opens a stored dataset for training: labels in memory; each split's features in memory when small, else
 * streamed into a local file under localDir, to be read a row at a time (the caller removes localDir).
 */
export async function openStoredDataset(
  store: ArtifactStore,
  prefix: string,
  opts: OpenStoredOptions,
): Promise<{
  format: DatasetFormat;
  splits: Partial<Record<'train' | 'test', OpenedSplit>>;
  arrays?: OpenedNamedSplits;
  classes?: string[];
  /** The arrays read from local files, past the memory budget, each with its size ("train.x (24.6 MB)"). */
  onDisk: string[];
  featureColumns?: FeatureColumn[];
}> {
  const meta = await readMeta(store, prefix);
  // Small arrays are read into memory; a large one is copied to a local file and read by position.
  const onDisk: string[] = [];
  const open = async (key: string, spec: ArraySpec, localName: string): Promise<NdArray | FileArray> => {
    const bytes = byteLength(spec);
    if (!opts.budget || bytes <= opts.budget.remaining) {
      if (opts.budget) opts.budget.remaining -= bytes;
      return readArray(store, key, spec);
    }
    onDisk.push(`${localName.replace(/\.bin$/, '')} (${sizeOf(bytes)})`);
    await mkdir(opts.localDir, { recursive: true });
    const path = join(opts.localDir, localName);
    await pipeline(await store.getStream(key), createWriteStream(path));
    return { dtype: spec.dtype, shape: spec.shape, path };
  };
  const splits: Partial<Record<'train' | 'test', OpenedSplit>> = {};
  for (const name of SPLITS) {
    const spec = meta.splits[name];
    if (!spec) continue;
    const x = await open(`${prefix}/${name}.x.bin`, spec.x, `${name}.x.bin`);
    splits[name] = { x, y: await readArray(store, `${prefix}/${name}.y.bin`, spec.y) };
  }
  let arrays: OpenedNamedSplits | undefined;
  for (const split of SPLITS) {
    const specs = meta.named?.[split];
    if (!specs) continue;
    arrays ??= {};
    const opened: Record<string, NdArray | FileArray> = {};
    for (const [name, spec] of Object.entries(specs))
      opened[name] = await open(namedKey(prefix, split, name), spec, `${split}.${name}.bin`);
    arrays[split] = opened;
  }
  return {
    format: meta.format as DatasetFormat,
    splits,
    ...(arrays ? { arrays } : {}),
    classes: meta.classes,
    onDisk,
    ...(meta.featureColumns ? { featureColumns: meta.featureColumns } : {}),
  };
}

/** What GET /datasets/:id reports about stored data. */
export function describeDataset(meta: StoredDatasetMeta) {
  if (meta.named) return describeNamedArrays(meta, meta.named);
  const train = meta.splits.train ?? meta.splits.test!;
  const labelShape = train.y.shape.slice(1);
  const labelKind = meta.classes
    ? 'classes'
    : labelShape.length === 0 && train.y.dtype !== 'float32'
      ? 'classes'
      : 'values';
  return {
    samples: Object.fromEntries(Object.entries(meta.splits).map(([name, s]) => [name, s.x.shape[0]])),
    inputShape: train.x.shape.slice(1),
    dtype: train.x.dtype,
    labelShape,
    labelKind,
    classes: meta.classes ?? null,
    labelRange: meta.labelRange ?? null,
    arrays: null,
    featureColumns: meta.featureColumns ?? null,
  };
}

function describeNamedArrays(meta: StoredDatasetMeta, arrays: NonNullable<StoredDatasetMeta['named']>) {
  const first = arrays.train ?? arrays.test!;
  const samples = Object.fromEntries(
    Object.entries(arrays).map(([split, named]) => [split, Object.values(named)[0]!.shape[0]!]),
  );
  const described: Record<string, NamedArrayInfo> = {};
  for (const [name, spec] of Object.entries(first))
    described[name] = {
      dtype: spec.dtype,
      shape: spec.shape.slice(1),
      range: meta.arrayRanges?.[name] ?? null,
      ...(meta.arrayClasses?.[name] ? { classes: meta.arrayClasses[name] } : {}),
    };
  return {
    samples,
    arrays: described,
    inputShape: null,
    dtype: null,
    labelShape: null,
    labelKind: null,
    classes: meta.classes ?? null,
    labelRange: null,
    featureColumns: meta.featureColumns ?? null,
  };
}
