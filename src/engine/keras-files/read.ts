import { looksLikeHdf5 } from './h5-file.ts';
import { KerasFileError } from './keras-file-error.ts';
import { resolveLimits, type KerasFileLimits } from './limits.ts';
import { readHdf5 } from './read-legacy-h5.ts';
import { readKerasZip } from './read-keras-zip.ts';
import type { KerasModelFile } from './types.ts';
import { looksLikeZip } from './zip-read.ts';

export interface ReadKerasOptions {
  limits?: Partial<KerasFileLimits>;
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads a Keras model file — a Keras 3 `.keras` zip, a legacy `.h5` model, or a weights-only
 * `.weights.h5` / `.h5` — into its model config and per-layer weights; the format is recognized by content.
 */
export function readKerasModelFile(bytes: Uint8Array, filename?: string, opts: ReadKerasOptions = {}): KerasModelFile {
  const label = filename ? `"${filename}"` : 'the Keras file';
  const limits = resolveLimits(opts.limits);
  if (bytes.length === 0) throw new KerasFileError('truncated', `${label} is empty`);
  if (looksLikeZip(bytes)) return readKerasZip(bytes, limits, label);
  if (looksLikeHdf5(bytes)) return readHdf5(bytes, limits, label);
  // A file cut inside its first bytes still starts with the beginning of a signature.
  const cutSignature = bytes.length < 8 && HDF5_MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b);
  const cutZip = bytes.length < 4 && bytes[0] === 0x50 && (bytes.length < 2 || bytes[1] === 0x4b);
  if (cutSignature || cutZip) throw new KerasFileError('truncated', `${label} is truncated (${bytes.length} bytes)`);
  const expected = filename?.endsWith('.keras')
    ? 'not a zip archive, as a .keras file must be'
    : 'neither a .keras zip nor an HDF5 (.h5) file';
  throw new KerasFileError('not_a_keras_file', `${label} is ${expected}`);
}
