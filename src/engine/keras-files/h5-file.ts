import h5wasm, { type File as H5File } from 'h5wasm';
import { KerasFileError } from './keras-file-error.ts';

// h5wasm is the HDF5 C library compiled to WebAssembly; it opens files by name in its own in-memory
// file system. The module is loaded once, at import, so that reading and writing can stay synchronous.
const Module = await h5wasm.ready;

export type { H5File };
export { h5wasm };

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
let counter = 0;

/** True when the bytes carry the HDF5 signature at offset 0 or at a user-block boundary (512, 1024, ...). */
export function looksLikeHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** Where the superblock says the file ends (the HDF5 "end of file address"), or undefined if unreadable. */
function declaredEnd(bytes: Uint8Array, at: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[at + 8];
  // Superblock v0/v1: offset size at byte 13, addresses from byte 24 (v0) or 28 (v1); v2/v3: size at 9, from 12.
  const sizeAt = version === 0 || version === 1 ? at + 13 : at + 9;
  const base = version === 0 ? at + 24 : version === 1 ? at + 28 : at + 12;
  if (version === undefined || version > 3 || bytes[sizeAt] !== 8 || base + 24 > bytes.length) return undefined;
  // Base address, then free-space (v0/v1) or extension (v2/v3) address, then the end-of-file address.
  const eof = Number(view.getBigUint64(base + 16, true));
  return Number.isSafeInteger(eof) ? at + eof : undefined;
}

/** Refuses an HDF5 file shorter than its superblock declares: the library would only say it cannot open it. */
function checkComplete(bytes: Uint8Array, label: string): void {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (!SIGNATURE.every((b, i) => bytes[at + i] === b)) continue;
    const end = declaredEnd(bytes, at);
    if (end !== undefined && end > bytes.length) {
      throw new KerasFileError(
        'truncated',
        `${label}: the HDF5 file is truncated (it declares ${end} bytes, ${bytes.length} are present)`,
      );
    }
    return;
  }
}

// Concurrent readers (or a file left behind by a crash in another test) must never share a name.
function uniquePath(): string {
  return `/kiln-keras-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}.h5`;
}

/** Wraps an HDF5 library failure (a C error surfaced as a JS exception) as a refusal naming the file. */
function asCorrupt(e: unknown, label: string): KerasFileError {
  if (e instanceof KerasFileError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const truncated = /truncat|eof|end of file|address .* past/i.test(message);
  return new KerasFileError(
    truncated ? 'truncated' : 'corrupt',
    `${label}: the HDF5 file cannot be read (${truncated ? 'truncated' : 'corrupt'}): ${message.split('\n')[0]}`,
  );
}

/** Opens the bytes as an HDF5 file for `fn`; the in-memory copy is always closed and deleted afterwards. */
export function withH5Read<T>(bytes: Uint8Array, label: string, fn: (file: H5File) => T): T {
  checkComplete(bytes, label);
  const path = uniquePath();
  let file: H5File | undefined;
  try {
    Module.FS.writeFile(path, bytes);
    try {
      file = new h5wasm.File(path, 'r');
    } catch (e) {
      throw asCorrupt(e, label);
    }
    // Some h5wasm versions report a failed open with a non-positive id instead of throwing.
    if (!(file.file_id > 0n)) {
      file = undefined;
      throw new KerasFileError('corrupt', `${label}: the HDF5 file cannot be opened (truncated or corrupt)`);
    }
    try {
      return fn(file);
    } catch (e) {
      throw asCorrupt(e, label);
    }
  } finally {
    try {
      file?.close();
    } finally {
      if (Module.FS.analyzePath(path).exists) Module.FS.unlink(path);
    }
  }
}

/** Creates an HDF5 file, lets `fn` fill it, and returns its bytes; the in-memory file is always deleted. */
export function h5Write(fn: (file: H5File) => void): Uint8Array {
  const path = uniquePath();
  let file: H5File | undefined;
  try {
    file = new h5wasm.File(path, 'w');
    fn(file);
    file.close();
    file = undefined;
    return Module.FS.readFile(path);
  } finally {
    try {
      file?.close();
    } finally {
      if (Module.FS.analyzePath(path).exists) Module.FS.unlink(path);
    }
  }
}
