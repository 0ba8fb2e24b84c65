import { createHash, randomUUID } from 'node:crypto';
import { KilnError } from '../domain/errors.ts';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDataset } from './formats/index.ts';
import type { DatasetFormat, ParsedDataset } from './formats/types.ts';
import { own } from '../domain/own.ts';

/** A digest a file must have: sha256 where the publisher gives one, else the MD5 the dataset's authors publish. */
export interface FileDigest {
  algorithm: 'sha256' | 'md5';
  hex: string;
}

/** A dataset Kiln knows by name, as tf.keras.datasets does, with the files and checksums Keras uses. */
export interface BuiltinDataset {
  name: string;
  files: Array<{ name: string; digest: FileDigest }>;
  /** Where Keras downloads the files from (default: its tf-keras-datasets bucket). */
  origin?: string;
  /** How to read the files, when it cannot be detected. */
  format?: DatasetFormat;
  /** Shape of one sample as Kiln trains on it, and the number of classes. */
  inputShape: number[];
  numClasses: number;
  classes?: string[];
}

const KERAS_ORIGIN = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

const sha256 = (hex: string): FileDigest => ({ algorithm: 'sha256', hex });
// Keras publishes no hash for Fashion-MNIST's files; its authors (zalandoresearch/fashion-mnist, and
// torchvision after them) publish these MD5s. MD5 is weak against a chosen collision, but it is the only
// digest the publisher vouches for; a mirror's SHA256SUMS replaces it.
const md5 = (hex: string): FileDigest => ({ algorithm: 'md5', hex });

// Only sets whose files someone publishes a checksum for: every download here is verified.
export const BUILTIN_DATASETS: Record<string, BuiltinDataset> = {
  mnist: {
    name: 'mnist',
    files: [{ name: 'mnist.npz', digest: sha256('731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1') }],
    inputShape: [28, 28, 1],
    numClasses: 10,
  },
  fashion_mnist: {
    name: 'fashion_mnist',
    files: [
      { name: 'train-labels-idx1-ubyte.gz', digest: md5('25c81989df183df01b3e8a0aad5dffbe') },
      { name: 'train-images-idx3-ubyte.gz', digest: md5('8d4fb7e6c68d591d4c3dfef9ec88bf0d') },
      { name: 't10k-labels-idx1-ubyte.gz', digest: md5('bb300cfdad3c16e7a12a480ee83cd310') },
      { name: 't10k-images-idx3-ubyte.gz', digest: md5('bef4ecab320f06d8554ea6380940ec79') },
    ],
    inputShape: [28, 28, 1],
    numClasses: 10,
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  // Keras 3's cifar10.load_data: the authors' archive, with the file_hash Keras checks.
  cifar10: {
    name: 'cifar10',
    files: [
      {
        name: 'cifar-10-python.tar.gz',
        digest: sha256('6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce'),
      },
    ],
    origin: 'https://www.cs.toronto.edu/~kriz/',
    format: 'cifar',
    inputShape: [32, 32, 3],
    numClasses: 10,
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  },
};

/** A downloaded file that does not match its expected checksum; the file is not kept. */
const checksumMismatch = (message: string) => new KilnError('checksum_mismatch', message);

export interface BuiltinSourceOptions {
  /** KILN_DATA_DIR: files are cached under datasets/builtin/. */
  dataDir: string;
  /** KILN_DATASET_MIRROR: a directory or base URL that replaces the origin. */
  mirror?: string;
}

/** A loaded built-in dataset and the sha256 of the files it was read from (as an ingested dataset's). */
export type LoadedBuiltin = ParsedDataset & { sha256: string };

/** Where a file of a mirror or origin is: a URL, or a path when the mirror is a directory. */
const isUrl = (base: string) => /^https?:\/\//.test(base);
const locationOf = (base: string, file: string) =>
  isUrl(base) ? new URL(file, base.endsWith('/') ? base : `${base}/`).href : join(resolve(base), file);

async function fetchBytes(base: string, file: string): Promise<Uint8Array> {
  if (!isUrl(base)) return new Uint8Array(await readFile(locationOf(base, file)));
  const response = await fetch(locationOf(base, file));
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Why a fetch failed, as far as Node says: "fetch failed" alone names neither host nor reason. */
function reasonOf(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.message && cause.message !== message ? `${message}: ${cause.message}` : message;
}

/**
 * A file of a built-in dataset that could not be fetched: where it was looked for, why, and how to
 * provide it without internet access (a mirror: which files, and how it vouches for them).
 */
function unavailable(dataset: BuiltinDataset, file: string, base: string, mirror: string | undefined, error: unknown) {
  const names = dataset.files.map((f) => f.name).join(', ');
  const from = mirror ? `the mirror KILN_DATASET_MIRROR=${mirror}` : "the dataset's origin";
  const how = mirror
    ? `KILN_DATASET_MIRROR must be a directory or http(s) base URL that holds ${names}`
    : `without internet access, set KILN_DATASET_MIRROR to a directory or http(s) base URL that holds ${names}`;
  return new KilnError(
    'dataset_unavailable',
    `built-in dataset ${dataset.name}: could not get ${file} from ${from} (${locationOf(base, file)}: ${reasonOf(error)}); ${how}, as tf.keras.datasets.${dataset.name} downloads them, and optionally a SHA256SUMS file ("<sha256>  <file name>" lines) vouching for them (else their published checksums apply)`,
    { status: 503, cause: error },
  );
}

/**
 * A mirror may vouch for its own files with a SHA256SUMS file (`<hex>  <name>` lines), as operators
 * do for repackaged sets; without one, the published checksums apply.
 */
async function expectedDigests(dataset: BuiltinDataset, mirror: string | undefined): Promise<Map<string, FileDigest>> {
  const digests = new Map(dataset.files.map((f) => [f.name, f.digest]));
  if (!mirror) return digests;
  try {
    const text = new TextDecoder().decode(await fetchBytes(mirror, 'SHA256SUMS'));
    for (const line of text.split('\n')) {
      const [hash, name] = line.trim().split(/\s+\*?/);
      if (hash && name && digests.has(name)) digests.set(name, sha256(hash.toLowerCase()));
    }
  } catch {
    // no SHA256SUMS: the published checksums stand
  }
  return digests;
}

/**
 * The sha256 a run records for the data it trained on: over the files in name order, as ingestion
 * hashes uploads, so a one-file set's is that file's own sha256.
 */
function datasetSha256(files: Array<{ name: string; data: Uint8Array }>): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    hash.update(file.data);
  return hash.digest('hex');
}

/** Loads a built-in dataset by name (see loadBuiltinFrom). */
export async function loadBuiltinDataset(name: string, opts: BuiltinSourceOptions): Promise<LoadedBuiltin> {
  const dataset = own(BUILTIN_DATASETS, name);
  if (!dataset)
    throw new Error(`unknown built-in dataset "${name}" (known: ${Object.keys(BUILTIN_DATASETS).join(', ')})`);
  return loadBuiltinFrom(dataset, opts);
}

/**
 * Loads a built-in dataset: from the local cache, else from the mirror (or Keras' origin), verifying
 * every file's digest before any is cached. A file that does not match is refused, and none is kept.
 */
export async function loadBuiltinFrom(dataset: BuiltinDataset, opts: BuiltinSourceOptions): Promise<LoadedBuiltin> {
  const cache = join(resolve(opts.dataDir), 'datasets', 'builtin', dataset.name);
  await mkdir(cache, { recursive: true });
  const digests = await expectedDigests(dataset, opts.mirror);
  const files: Array<{ name: string; data: Uint8Array; cached: boolean }> = [];
  for (const file of dataset.files) {
    const path = join(cache, file.name);
    if (existsSync(path)) {
      files.push({ name: file.name, data: new Uint8Array(await readFile(path)), cached: true });
      continue;
    }
    const base = opts.mirror ?? dataset.origin ?? KERAS_ORIGIN;
    const bytes = await fetchBytes(base, file.name).catch((error: unknown) => {
      throw unavailable(dataset, file.name, base, opts.mirror, error);
    });
    const expected = digests.get(file.name)!;
    const actual = createHash(expected.algorithm).update(bytes).digest('hex');
    if (actual !== expected.hex) {
      throw checksumMismatch(
        `${dataset.name}/${file.name}: ${expected.algorithm} is ${actual}, expected ${expected.hex}; the file was refused`,
      );
    }
    files.push({ name: file.name, data: bytes, cached: false });
  }
  // Cached only once every file has passed: a refused set leaves nothing behind.
  for (const file of files.filter((f) => !f.cached)) {
    // A name of this process's own: several workers may share one data directory and download at once.
    const partial = `${join(cache, file.name)}.${process.pid}-${randomUUID()}.partial`;
    await writeFile(partial, file.data);
    await rename(partial, join(cache, file.name));
  }
  const parsed = parseDataset(files, dataset.format ? { format: dataset.format } : {});
  return { ...parsed, ...(dataset.classes ? { classes: dataset.classes } : {}), sha256: datasetSha256(files) };
}
