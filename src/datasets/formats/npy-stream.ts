import type { LabelRange } from '../../domain/dataset.ts';
import { firstNonFinite, elementCount, nonFinite } from './ndarray.ts';
import {
  narrowingFailure,
  npyHeaderLength,
  npyKind,
  readNpyHeader,
  swapBytes,
  truncatedNpy,
  type NpyHeader,
  type NpyKind,
} from './npy.ts';
import { DatasetFormatError } from './errors.ts';
import type { LazyArray } from './types.ts';

/** A .npy file read as a stream, opened anew for each pass (its header, then its data). */
export interface NpyStreamFile {
  name: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** A header longer than this is not a numpy header (numpy pads to 64 bytes; shapes are short). */
const MAX_HEADER_BYTES = 1024 * 1024;

/** Reads a .npy file's header from the start of its stream, and stops reading. */
export async function readNpyStreamHeader(
  file: NpyStreamFile,
): Promise<NpyHeader & { kind: NpyKind & { bigEndian: boolean } }> {
  let start = new Uint8Array(0);
  const stream = await file.open();
  for await (const chunk of stream) {
    const joined = new Uint8Array(start.length + chunk.length);
    joined.set(start);
    joined.set(chunk, start.length);
    start = joined;
    if (npyHeaderLength(start) !== undefined || start.length > MAX_HEADER_BYTES) break;
  }
  (stream as { destroy?: () => void }).destroy?.();
  const header = readNpyHeader(file.name, start);
  return { ...header, kind: npyKind(file.name, header) };
}

/**
 * The array of a .npy file as a LazyArray: its data converted piece by piece (narrowed to Kiln's
 * dtypes, byte-swapped, checked finite and in int32's range, with the flat index of any bad value)
 * as the store writes it, never whole in memory. range() gives the smallest and largest value once
 * every piece has been read (integers of any shape, or floats of one value per sample), as
 * ingestion records them to check class indices and token ids at submission.
 */
export function lazyNpy(file: NpyStreamFile, header: NpyHeader & { kind: NpyKind & { bigEndian: boolean } }) {
  const { kind } = header;
  const count = elementCount(header.shape);
  const dataBytes = count * kind.itemBytes;
  const tracksRange = kind.dtype !== 'float32' || elementCount(header.shape.slice(1)) === 1;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  const fail = narrowingFailure(file.name, header);

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let skip = header.dataOffset;
    let pending = new Uint8Array(0);
    let seen = 0;
    let index = 0;
    const stream = await file.open();
    try {
      for await (const chunk of stream) {
        let bytes = chunk;
        if (skip > 0) {
          const skipped = Math.min(skip, bytes.length);
          bytes = bytes.subarray(skipped);
          skip -= skipped;
        }
        bytes = bytes.subarray(0, dataBytes - seen);
        seen += bytes.length;
        // Whole items only; the rest waits for the next piece. A fresh buffer of exactly the items keeps
        // the typed views aligned and the converters' whole-buffer views right.
        const all = new Uint8Array(pending.length + bytes.length);
        all.set(pending);
        all.set(bytes, pending.length);
        const whole = all.length - (all.length % kind.itemBytes);
        pending = all.slice(whole);
        if (whole > 0) {
          const items = whole === all.length ? all : all.slice(0, whole);
          if (kind.bigEndian) swapBytes(items, kind.itemBytes);
          const n = whole / kind.itemBytes;
          const data = kind.convert(items.buffer, n, (i, value) => fail(index + i, value));
          if (kind.dtype === 'float32') {
            const at = firstNonFinite(data as Float32Array);
            if (at >= 0) throw nonFinite(file.name, index + at, data[at]!, header.shape);
          }
          if (tracksRange) {
            for (const value of data) {
              if (value < min) min = value;
              if (value > max) max = value;
              if (integers && !Number.isInteger(value)) integers = false;
            }
          }
          index += n;
          yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        }
        if (seen === dataBytes) break;
      }
    } finally {
      (stream as { destroy?: () => void }).destroy?.();
    }
    if (seen < dataBytes) throw truncatedNpy(file.name, header, dataBytes, seen);
  }

  const lazy: LazyArray & { range(): LabelRange | undefined } = {
    dtype: kind.dtype,
    shape: header.shape,
    chunks,
    range: () => (tracksRange && min <= max ? { min, max, integers } : undefined),
  };
  return lazy;
}

/** Refuses a header whose shape holds no row axis (a scalar is not a dataset array). */
export function assertHasRows(name: string, header: NpyHeader): void {
  if (header.shape.length === 0)
    throw new DatasetFormatError('COUNT_MISMATCH', `${name} is a scalar; every array holds one row per sample`, {
      file: name,
    });
}
