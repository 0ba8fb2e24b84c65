import { crc32 } from 'node:zlib';
import { Gunzip } from 'fflate';
import { DatasetFormatError } from './errors.ts';
import { isGzip } from './gzip.ts';

/** Compressed bytes fed to the inflater at a time: deflate expands at most ~1032×, so ≤ 17 MB out per piece. */
const PIECE_BYTES = 16 * 1024;

/** What a file's own header says it holds, read from its first inflated bytes. */
export interface DeclaredSize {
  /** The file's whole (uncompressed) size, header included. */
  bytes: number;
  /** For messages: "its IDX header declares (shape [10])". */
  what: string;
}

/**
 * Reads a header from the first bytes inflated: undefined while more bytes are needed, null when the
 * bytes are not of the format (the parser then says so). May throw to refuse a declared size.
 */
export type HeaderReader = (head: Uint8Array) => DeclaredSize | null | undefined;

/** Stands in for fflate's stop: thrown from its callback, caught around push. */
class Stop extends Error {}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Gunzips a file whose header declares its size (IDX, NPY) as a stream, a small piece of input at a
 * time: once the header is read, the output is allocated at the declared size and inflating stops as
 * soon as it would go past it. A gzip bomb (a small header, then gigabytes of zeros) is refused after
 * one piece instead of being inflated up to the dataset limit. Bytes that are not gzip are returned as
 * they are. Before the header is known, at most `maxBytes` (the dataset limit) are inflated.
 */
export function gunzipDeclared(
  name: string,
  bytes: Uint8Array,
  maxBytes: number,
  readHeader: HeaderReader,
): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  let head: Uint8Array[] = [];
  let total = 0;
  let declared: DeclaredSize | null | undefined;
  let out: Uint8Array | undefined;
  let crc = 0;
  let members = 1;
  let stop: DatasetFormatError | undefined;
  const refuse = (error: DatasetFormatError) => {
    stop = error;
    throw new Stop();
  };
  const beyondDeclared = (size: DeclaredSize) =>
    new DatasetFormatError(
      'TOO_LARGE',
      `${name} inflates to more than the ${size.bytes} bytes ${size.what}; refused without inflating the rest (a gzip bomb, or a wrong header)`,
      { file: name, declaredBytes: size.bytes },
    );
  const gunzip = new Gunzip((chunk) => {
    crc = crc32(chunk, crc);
    if (out && declared) {
      if (total + chunk.length > declared.bytes) refuse(beyondDeclared(declared));
      out.set(chunk, total);
      total += chunk.length;
      return;
    }
    // The header is not read yet: these are its first bytes.
    head.push(chunk);
    total += chunk.length;
    try {
      declared = readHeader(concat(head, total));
    } catch (error) {
      if (error instanceof DatasetFormatError) refuse(error);
      throw error;
    }
    // Not the format: what was inflated is enough for the parser to say so.
    if (declared === null) throw new Stop();
    if (declared && total > declared.bytes) refuse(beyondDeclared(declared));
    if (!declared && total > maxBytes) {
      refuse(
        new DatasetFormatError('TOO_LARGE', `${name} expands to more than ${maxBytes} bytes when gunzipped`, {
          file: name,
          maxBytes,
        }),
      );
    }
    if (declared) {
      // Its pages are only committed as they are written: a file that stops short costs what it held.
      out = new Uint8Array(declared.bytes);
      out.set(concat(head, total));
      head = [];
    }
  });
  gunzip.onmember = () => members++;
  try {
    for (let at = 0; at < bytes.length; at += PIECE_BYTES)
      gunzip.push(bytes.subarray(at, at + PIECE_BYTES), at + PIECE_BYTES >= bytes.length);
  } catch (error) {
    if (error instanceof Stop) {
      if (stop) throw stop;
      return concat(head, total);
    }
    throw new DatasetFormatError('GZIP_CORRUPT', `${name} is not a valid gzip file: ${(error as Error).message}`, {
      file: name,
    });
  }
  // fflate does not check the trailer: a single-member file's CRC-32 is checked here, as gunzip does.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (members === 1 && bytes.length >= 18 && view.getUint32(bytes.length - 8, true) !== crc >>> 0) {
    throw new DatasetFormatError('GZIP_CORRUPT', `${name} is not a valid gzip file: its CRC-32 does not match`, {
      file: name,
    });
  }
  if (!out) return concat(head, total);
  // Shorter than declared: the parser reports the truncation from what there is.
  return total === out.length ? out : out.subarray(0, total);
}
