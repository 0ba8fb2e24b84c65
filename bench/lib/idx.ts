// Tiny reader for the gzipped IDX files in shared/datasets/mnist; the bench keeps its own so it
// does not depend on the real dataset module being written elsewhere.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads a gzipped unsigned-byte IDX file and checks its magic number. */
export function readIdxGz(path: string, expectedMagic: number): IdxArray {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) throw new Error(`${path}: IDX magic ${magic}, expected ${expectedMagic}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < offset + size) throw new Error(`${path}: truncated (${bytes.length} bytes for dims ${dims})`);
  return { dims, data: bytes.subarray(offset, offset + size) };
}
