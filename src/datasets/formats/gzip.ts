import { gunzipSync, constants } from 'node:zlib';
import { DatasetFormatError } from './errors.ts';

/** True when bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes are gzip, otherwise returns them unchanged. */
export function maybeGunzip(name: string, bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: maxBytes }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetFormatError('TOO_LARGE', `${name} expands to more than ${maxBytes} bytes when gunzipped`, {
        file: name,
        maxBytes,
      });
    }
    throw new DatasetFormatError('GZIP_CORRUPT', `${name} is not a valid gzip file: ${(error as Error).message}`, {
      file: name,
    });
  }
}

/** Gunzips only the first bytes of a gzip file, enough to sniff the format inside. */
export function gunzipPrefix(bytes: Uint8Array, prefixBytes = 4096): Uint8Array {
  try {
    // Z_SYNC_FLUSH makes zlib return what it decoded instead of failing on the cut-off input.
    const out = gunzipSync(bytes.subarray(0, prefixBytes), { finishFlush: constants.Z_SYNC_FLUSH });
    return new Uint8Array(out);
  } catch {
    return new Uint8Array(0);
  }
}
