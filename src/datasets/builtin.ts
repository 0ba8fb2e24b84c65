import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDataset } from './formats/index.ts';
import type { ParsedDataset } from './formats/types.ts';

/** A dataset Kiln knows by name, as tf.keras.datasets does, with the files and checksums Keras uses. */
export interface BuiltinDataset {
  name: string;
  files: Array<{ name: string; sha256: string }>;
  /** Shape of one sample as Kiln trains on it, and the number of classes. */
  inputShape: number[];
  numClasses: number;
  classes?: string[];
}

const KERAS_ORIGIN = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

// Only sets whose files Keras publishes a checksum for: every download here is verified.
export const BUILTIN_DATASETS: Record<string, BuiltinDataset> = {
  mnist: {
    name: 'mnist',
    files: [{ name: 'mnist.npz', sha256: '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1' }],
    inputShape: [28, 28, 1],
    numClasses: 10,
  },
};

/** Thrown when a downloaded file does not match its expected checksum; the file is not kept. */
export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

export interface BuiltinSourceOptions {
  /** KILN_DATA_DIR: files are cached under datasets/builtin/. */
  dataDir: string;
  /** KILN_DATASET_MIRROR: a directory or base URL that replaces the origin. */
  mirror?: string;
}

async function fetchBytes(base: string, file: string): Promise<Uint8Array> {
  if (!/^https?:\/\//.test(base)) return new Uint8Array(await readFile(join(resolve(base), file)));
  const response = await fetch(new URL(file, base.endsWith('/') ? base : `${base}/`));
  if (!response.ok) throw new Error(`downloading ${file} from ${base} failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A mirror may vouch for its own files with a SHA256SUMS file (`<hex>  <name>` lines), as operators
 * do for repackaged sets; without one, Keras' published checksums apply.
 */
async function expectedChecksums(dataset: BuiltinDataset, mirror: string | undefined): Promise<Map<string, string>> {
  const sums = new Map(dataset.files.map((f) => [f.name, f.sha256]));
  if (!mirror) return sums;
  try {
    const text = new TextDecoder().decode(await fetchBytes(mirror, 'SHA256SUMS'));
    for (const line of text.split('\n')) {
      const [hash, name] = line.trim().split(/\s+\*?/);
      if (hash && name && sums.has(name)) sums.set(name, hash.toLowerCase());
    }
  } catch {
    // no SHA256SUMS: the canonical checksums stand
  }
  return sums;
}

/**
 * Loads a built-in dataset: from the local cache, else from the mirror (or Keras' origin), verifying
 * every file's sha256 before it is cached. A file that does not match is refused and not kept.
 */
export async function loadBuiltinDataset(name: string, opts: BuiltinSourceOptions): Promise<ParsedDataset> {
  const dataset = BUILTIN_DATASETS[name];
  if (!dataset) throw new Error(`unknown built-in dataset "${name}" (known: ${Object.keys(BUILTIN_DATASETS).join(', ')})`);
  const cache = join(resolve(opts.dataDir), 'datasets', 'builtin', name);
  await mkdir(cache, { recursive: true });
  const sums = await expectedChecksums(dataset, opts.mirror);
  const files = [];
  for (const file of dataset.files) {
    const cached = join(cache, file.name);
    let bytes: Uint8Array;
    if (existsSync(cached)) {
      bytes = new Uint8Array(await readFile(cached));
    } else {
      bytes = await fetchBytes(opts.mirror ?? KERAS_ORIGIN, file.name);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sums.get(file.name)) {
        throw new ChecksumMismatchError(`${name}/${file.name}: sha256 is ${actual}, expected ${sums.get(file.name)}; the file was refused`);
      }
      // A name of this process's own: several workers may share one data directory and download at once.
      const partial = `${cached}.${process.pid}-${randomUUID()}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, cached);
    }
    files.push({ name: file.name, data: bytes });
  }
  const parsed = parseDataset(files);
  return dataset.classes ? { ...parsed, classes: dataset.classes } : parsed;
}
