import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { DType, NdArray, ParsedDataset, Split } from './formats/types.ts';

/** What a stored dataset holds, per split: every array's dtype and shape. Written last (the commit marker). */
export interface StoredDatasetMeta {
  format: string;
  splits: Partial<Record<'train' | 'test', { x: { dtype: DType; shape: number[] }; y: { dtype: DType; shape: number[] } }>>;
  classes?: string[];
}

const SPLITS = ['train', 'test'] as const;
const ARRAY_TYPES = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array } as const;

function bytesOf(array: NdArray): Uint8Array {
  return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
}

/** Stores a parsed dataset as raw little-endian arrays under a prefix, meta.json last. */
export async function writeStoredDataset(store: ArtifactStore, prefix: string, parsed: ParsedDataset): Promise<StoredDatasetMeta> {
  const meta: StoredDatasetMeta = { format: parsed.format, splits: {}, ...(parsed.classes ? { classes: parsed.classes } : {}) };
  for (const name of SPLITS) {
    const split = parsed.splits[name];
    if (!split) continue;
    await store.put(`${prefix}/${name}.x.bin`, bytesOf(split.x));
    await store.put(`${prefix}/${name}.y.bin`, bytesOf(split.y));
    meta.splits[name] = { x: { dtype: split.x.dtype, shape: split.x.shape }, y: { dtype: split.y.dtype, shape: split.y.shape } };
  }
  await store.put(`${prefix}/meta.json`, JSON.stringify(meta));
  return meta;
}

async function readArray(store: ArtifactStore, key: string, spec: { dtype: DType; shape: number[] }): Promise<NdArray> {
  const bytes = await store.get(key);
  // Copy into a fresh, aligned buffer: a Buffer may sit at any offset of a shared pool.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return { dtype: spec.dtype, shape: spec.shape, data: new ARRAY_TYPES[spec.dtype](aligned.buffer) };
}

/** Reads a stored dataset back. */
export async function readStoredDataset(store: ArtifactStore, prefix: string): Promise<ParsedDataset & { meta: StoredDatasetMeta }> {
  const meta = JSON.parse((await store.get(`${prefix}/meta.json`)).toString('utf8')) as StoredDatasetMeta;
  const splits: { train?: Split; test?: Split } = {};
  for (const name of SPLITS) {
    const spec = meta.splits[name];
    if (spec) splits[name] = { x: await readArray(store, `${prefix}/${name}.x.bin`, spec.x), y: await readArray(store, `${prefix}/${name}.y.bin`, spec.y) };
  }
  return { format: meta.format as ParsedDataset['format'], splits, classes: meta.classes, meta };
}

/** What GET /datasets/:id reports about stored data. */
export function describeDataset(meta: StoredDatasetMeta) {
  const train = meta.splits.train ?? meta.splits.test!;
  const labelShape = train.y.shape.slice(1);
  const labelKind = meta.classes ? 'classes' : labelShape.length === 0 && train.y.dtype !== 'float32' ? 'classes' : 'values';
  return {
    samples: Object.fromEntries(Object.entries(meta.splits).map(([name, s]) => [name, s.x.shape[0]])),
    inputShape: train.x.shape.slice(1),
    dtype: train.x.dtype,
    labelShape,
    labelKind,
    classes: meta.classes ?? null,
  };
}
