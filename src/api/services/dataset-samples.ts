import { PNG } from 'pngjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { namedKey, type StoredDatasetMeta } from '../../datasets/storage.ts';

const BYTES = { uint8: 1, int32: 4, float32: 4 } as const;

/** The first `bytes` bytes of an artifact, read from its stream without loading the rest. */
async function head(store: ArtifactStore, key: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = await store.getStream(key);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= bytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, bytes);
}

function typed(buffer: Buffer, dtype: Dtype): ArrayLike<number> {
  const copy = new Uint8Array(buffer); // aligned
  return dtype === 'uint8' ? copy : dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
}

function pngDataUrl(pixels: ArrayLike<number>, [h, w, c]: number[]): string {
  const png = new PNG({ width: w!, height: h! });
  for (let i = 0; i < h! * w!; i++) {
    const gray = c === 1;
    png.data[i * 4] = pixels[i * c!]!;
    png.data[i * 4 + 1] = pixels[i * c! + (gray ? 0 : 1)]!;
    png.data[i * 4 + 2] = pixels[i * c! + (gray ? 0 : 2)]!;
    png.data[i * 4 + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

const isImage = (dtype: string, shape: number[]) =>
  dtype === 'uint8' && (shape.length === 2 || (shape.length === 3 && [1, 3].includes(shape[2]!)));

/** The first `count` rows of a stored array, each as its values (one number when a row holds one). */
async function firstRows(store: ArtifactStore, key: string, spec: { dtype: Dtype; shape: number[] }, count: number) {
  const rowShape = spec.shape.slice(1);
  const size = rowShape.reduce((a, b) => a * b, 1);
  const data = typed(await head(store, key, count * size * BYTES[spec.dtype]), spec.dtype);
  const rows = Array.from({ length: count }, (_, i) => Array.from({ length: size }, (_, k) => data[i * size + k]!));
  return { rows, rowShape, image: isImage(spec.dtype, rowShape) };
}

type Dtype = keyof typeof BYTES;

/** A row as the dashboard shows it: an image as a PNG data URL, else its numbers. */
function shown(values: number[], rowShape: number[], image: boolean) {
  if (image) return { image: pngDataUrl(values, rowShape.length === 2 ? [...rowShape, 1] : rowShape) };
  return { values: values.length === 1 ? values[0]! : values };
}

/**
 * The first n training samples: images (uint8 h×w×1|3) as PNG data URLs, anything else as numbers; for a
 * dataset of named arrays, each array's part of the sample by name.
 */
export async function datasetSamples(store: ArtifactStore, prefix: string, meta: StoredDatasetMeta, n: number) {
  if (meta.named) return namedSamples(store, prefix, meta.named, n);
  const splitName = meta.splits.train ? 'train' : 'test';
  const split = meta.splits[splitName]!;
  const count = Math.min(n, split.x.shape[0]!);
  const x = await firstRows(store, `${prefix}/${splitName}.x.bin`, split.x, count);
  const y = await firstRows(store, `${prefix}/${splitName}.y.bin`, split.y, count);
  return x.rows.map((values, i) => {
    const labelValues = y.rows[i]!;
    const label = labelValues.length === 1 ? labelValues[0]! : labelValues;
    return {
      index: i,
      label,
      ...(typeof label === 'number' && meta.classes ? { className: meta.classes[label] ?? null } : {}),
      ...(x.image ? shown(values, x.rowShape, true) : { x: values }),
    };
  });
}

async function namedSamples(
  store: ArtifactStore,
  prefix: string,
  named: NonNullable<StoredDatasetMeta['named']>,
  n: number,
) {
  const splitName = named.train ? 'train' : 'test';
  const specs = Object.entries(named[splitName]!);
  const count = Math.min(n, specs[0]![1].shape[0]!);
  const arrays = await Promise.all(
    specs.map(
      async ([name, spec]) => [name, await firstRows(store, namedKey(prefix, splitName, name), spec, count)] as const,
    ),
  );
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    arrays: Object.fromEntries(arrays.map(([name, a]) => [name, shown(a.rows[i]!, a.rowShape, a.image)])),
  }));
}
