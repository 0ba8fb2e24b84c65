import { PNG } from 'pngjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import type { StoredDatasetMeta } from '../../datasets/storage.ts';

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

function typed(buffer: Buffer, dtype: 'uint8' | 'int32' | 'float32'): ArrayLike<number> {
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

/** The first n training samples: images (uint8 h×w×1|3) as PNG data URLs, anything else as numbers. */
export async function datasetSamples(store: ArtifactStore, prefix: string, meta: StoredDatasetMeta, n: number) {
  const splitName = meta.splits.train ? 'train' : 'test';
  const split = meta.splits[splitName]!;
  const count = Math.min(n, split.x.shape[0]!);
  const sampleShape = split.x.shape.slice(1);
  const featureSize = sampleShape.reduce((a, b) => a * b, 1);
  const labelSize = split.y.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = typed(
    await head(store, `${prefix}/${splitName}.x.bin`, count * featureSize * BYTES[split.x.dtype]),
    split.x.dtype,
  );
  const y = typed(
    await head(store, `${prefix}/${splitName}.y.bin`, count * labelSize * BYTES[split.y.dtype]),
    split.y.dtype,
  );
  const image =
    split.x.dtype === 'uint8' &&
    (sampleShape.length === 2 || (sampleShape.length === 3 && [1, 3].includes(sampleShape[2]!)));
  return Array.from({ length: count }, (_, i) => {
    const values = Array.from({ length: featureSize }, (_, k) => x[i * featureSize + k]!);
    const labelValues = Array.from({ length: labelSize }, (_, k) => y[i * labelSize + k]!);
    const label = labelSize === 1 ? labelValues[0]! : labelValues;
    return {
      index: i,
      label,
      ...(typeof label === 'number' && meta.classes ? { className: meta.classes[label] ?? null } : {}),
      ...(image
        ? { image: pngDataUrl(values, sampleShape.length === 2 ? [...sampleShape, 1] : sampleShape) }
        : { x: values }),
    };
  });
}
