import { DatasetFormatError } from './errors.ts';
import { maybeGunzip } from './gzip.ts';
import { resolveLimits, type SizeLimits } from './limits.ts';
import { PickledArray, unpickle } from './pickle.ts';
import { readTarEntries } from './tar.ts';
import type { DatasetFile, ParsedDataset, Split } from './types.ts';

const SIDE = 32;
const PIXELS = SIDE * SIDE;

function batchOf(
  archive: string,
  entry: { name: string; data: Uint8Array },
): { images: PickledArray; labels: number[] } {
  const batch = unpickle(`${archive}: ${entry.name}`, entry.data);
  const images = batch instanceof Map ? batch.get('data') : undefined;
  const labels = batch instanceof Map ? batch.get('labels') : undefined;
  const n = Array.isArray(labels) ? labels.length : -1;
  if (
    !(images instanceof PickledArray) ||
    images.dtype !== 'u1' ||
    images.fortran ||
    images.shape.join() !== `${n},${3 * PIXELS}` ||
    images.data.length !== n * 3 * PIXELS
  ) {
    throw new DatasetFormatError(
      'CIFAR_LAYOUT',
      `${archive}: ${entry.name} is not a CIFAR-10 batch (a dict of "data", uint8 [n, 3072], and "labels", n class indices)`,
      { file: archive, entry: entry.name },
    );
  }
  return { images, labels: labels as number[] };
}

/** Batches in order, channel-first rows (as CIFAR stores them) turned into [n, 32, 32, 3] images, as Keras does. */
function toSplit(batches: Array<{ images: PickledArray; labels: number[] }>): Split {
  const n = batches.reduce((sum, b) => sum + b.labels.length, 0);
  const x = new Uint8Array(n * 3 * PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  for (const { images, labels } of batches) {
    for (let i = 0; i < labels.length; i++, row++) {
      const source = images.data.subarray(i * 3 * PIXELS, (i + 1) * 3 * PIXELS);
      const out = row * 3 * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        x[out + p * 3] = source[p]!;
        x[out + p * 3 + 1] = source[PIXELS + p]!;
        x[out + p * 3 + 2] = source[2 * PIXELS + p]!;
      }
      y[row] = labels[i]!;
    }
  }
  return { x: { dtype: 'uint8', shape: [n, SIDE, SIDE, 3], data: x }, y: { dtype: 'int32', shape: [n], data: y } };
}

/**
 * Reads cifar-10-python.tar.gz as Keras' cifar10.load_data does: data_batch_1..5 are the train split,
 * test_batch the test split; class names come from batches.meta when it is there.
 */
export function parseCifarArchive(files: DatasetFile[], limits: SizeLimits = {}): ParsedDataset {
  if (files.length !== 1)
    throw new DatasetFormatError('CIFAR_LAYOUT', `CIFAR-10 comes as one archive, got ${files.length} files`, {
      files: files.map((f) => f.name),
    });
  const archive = files[0]!;
  const entries = readTarEntries(
    archive.name,
    maybeGunzip(archive.name, archive.data, resolveLimits(limits).maxUncompressedBytes),
  );
  const byName = new Map(entries.map((e) => [e.name.split('/').pop()!, e]));
  const entry = (name: string) => {
    const found = byName.get(name);
    if (!found)
      throw new DatasetFormatError(
        'CIFAR_LAYOUT',
        `${archive.name} has no ${name} (expected cifar-10-batches-py/data_batch_1..5 and test_batch)`,
        { file: archive.name, entry: name },
      );
    return found;
  };
  const train = toSplit([1, 2, 3, 4, 5].map((i) => batchOf(archive.name, entry(`data_batch_${i}`))));
  const test = toSplit([batchOf(archive.name, entry('test_batch'))]);
  const meta =
    byName.get('batches.meta') && unpickle(`${archive.name}: batches.meta`, byName.get('batches.meta')!.data);
  const names = meta instanceof Map ? meta.get('label_names') : undefined;
  const classes = Array.isArray(names)
    ? names.map((n) => (n instanceof Uint8Array ? new TextDecoder().decode(n) : String(n)))
    : undefined;
  return { format: 'cifar', splits: { train, test }, ...(classes ? { classes } : {}) };
}
