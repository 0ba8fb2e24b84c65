import { own } from '../../domain/own.ts';
import { DatasetFormatError } from './errors.ts';
import { elementCount, unravelIndex } from './ndarray.ts';
import { parsePythonLiteral, type PyValue } from './python-literal.ts';
import type { NdArray } from '../../domain/arrays.ts';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** True when bytes start with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => bytes[i] === b);
}

export interface NpyHeader {
  descr: string;
  shape: number[];
  dataOffset: number;
}

/** Turns little-endian element bytes (already copied to their own buffer) into a Kiln tensor's data. */
type Converter = (
  buffer: ArrayBuffer,
  count: number,
  fail: (index: number, value: bigint | number) => never,
) => NdArray['data'];

export interface NpyKind {
  dtype: NdArray['dtype'];
  itemBytes: number;
  convert: Converter;
}

const INT32_MAX = 2 ** 31 - 1;

// Keyed by descr without its byte-order character. Wider types narrow to what TF.js tensors hold.
const NPY_KINDS: Record<string, NpyKind> = {
  u1: { dtype: 'uint8', itemBytes: 1, convert: (buf) => new Uint8Array(buf) },
  b1: { dtype: 'uint8', itemBytes: 1, convert: (buf) => new Uint8Array(buf) },
  i1: { dtype: 'int32', itemBytes: 1, convert: (buf) => Int32Array.from(new Int8Array(buf)) },
  i2: { dtype: 'int32', itemBytes: 2, convert: (buf) => Int32Array.from(new Int16Array(buf)) },
  u2: { dtype: 'int32', itemBytes: 2, convert: (buf) => Int32Array.from(new Uint16Array(buf)) },
  i4: { dtype: 'int32', itemBytes: 4, convert: (buf) => new Int32Array(buf) },
  u4: {
    dtype: 'int32',
    itemBytes: 4,
    convert: (buf, count, fail) => {
      const source = new Uint32Array(buf);
      for (let i = 0; i < count; i++) if (source[i]! > INT32_MAX) fail(i, source[i]!);
      return new Int32Array(buf);
    },
  },
  i8: { dtype: 'int32', itemBytes: 8, convert: (buf, count, fail) => narrowInt64(buf, count, true, fail) },
  u8: { dtype: 'int32', itemBytes: 8, convert: (buf, count, fail) => narrowInt64(buf, count, false, fail) },
  f2: { dtype: 'float32', itemBytes: 2, convert: (buf) => Float32Array.from(new Uint16Array(buf), halfToFloat) },
  f4: { dtype: 'float32', itemBytes: 4, convert: (buf) => new Float32Array(buf) },
  f8: { dtype: 'float32', itemBytes: 8, convert: (buf) => Float32Array.from(new Float64Array(buf)) },
};

// A 64-bit value fits int32 exactly when its high word is the sign extension of its low word.
function narrowInt64(
  buffer: ArrayBuffer,
  count: number,
  signed: boolean,
  fail: (index: number, value: bigint) => never,
): Int32Array {
  const words = new Int32Array(buffer);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    if (high !== (signed ? low >> 31 : 0) || (!signed && low < 0)) {
      const value = (BigInt(high) << 32n) | BigInt(low >>> 0);
      fail(i, signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value));
    }
    out[i] = low;
  }
  return out;
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function headerError(name: string, problem: string): DatasetFormatError {
  return new DatasetFormatError('NPY_BAD_HEADER', `${name}: invalid .npy header: ${problem}`, { file: name });
}

/** Bytes of the header, or undefined when `bytes` (a file's start) does not hold all of it yet. */
export function npyHeaderLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const total = major === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
  return bytes.length >= total ? total : undefined;
}

export function readNpyHeader(name: string, bytes: Uint8Array): NpyHeader {
  if (!isNpy(bytes)) {
    throw new DatasetFormatError('NPY_BAD_MAGIC', `${name} is not a .npy file: it does not start with "\\x93NUMPY"`, {
      file: name,
    });
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Version 1.0 stores the header length in 2 bytes; 2.0 and 3.0 (utf-8 header) use 4.
  const lengthBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : 0;
  if (lengthBytes === 0) throw headerError(name, `unsupported format version ${major}.${bytes[7]}`);
  const start = 8 + lengthBytes;
  if (bytes.length < start) throw headerError(name, 'the file ends inside the header');
  const headerLength = lengthBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (bytes.length < start + headerLength) throw headerError(name, 'the file ends inside the header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));

  let dict: PyValue;
  try {
    dict = parsePythonLiteral(text);
  } catch (error) {
    throw headerError(name, (error as Error).message);
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) throw headerError(name, 'not a dict');
  const { descr, fortran_order: fortranOrder, shape } = dict;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && d >= 0)) {
    throw headerError(name, `'shape' must be a tuple of non-negative integers`);
  }
  if (typeof descr !== 'string') {
    throw new DatasetFormatError(
      'NPY_UNSUPPORTED_DTYPE',
      `${name}: structured arrays (record dtypes) are not supported; save each field as its own array`,
      { file: name },
    );
  }
  if (fortranOrder === true) {
    throw new DatasetFormatError(
      'NPY_FORTRAN_ORDER',
      `${name} is stored in Fortran (column-major) order, which is not supported; ` +
        `save it with np.save(path, np.ascontiguousarray(array))`,
      { file: name },
    );
  }
  return { descr, shape: shape as number[], dataOffset: start + headerLength };
}

/** How a header's dtype is read, refusing object arrays and dtypes Kiln does not take. */
export function npyKind(name: string, header: NpyHeader): NpyKind & { bigEndian: boolean } {
  const order = header.descr[0];
  const kindName = header.descr.slice(1);
  if (kindName.startsWith('O')) {
    throw new DatasetFormatError(
      'NPY_OBJECT_ARRAY',
      `${name} holds Python objects (dtype '${header.descr}'), which cannot be read safely; ` +
        `convert it to a numeric dtype such as float32 before saving`,
      { file: name, descr: header.descr },
    );
  }
  const kind = own(NPY_KINDS, kindName);
  if (!kind || !'<>|='.includes(order ?? '')) {
    throw new DatasetFormatError(
      'NPY_UNSUPPORTED_DTYPE',
      `${name} has dtype '${header.descr}', which is not supported ` +
        `(supported: bool, int8/16/32/64, uint8/16/32/64, float16/32/64)`,
      { file: name, descr: header.descr },
    );
  }
  return { ...kind, bigEndian: order === '>' };
}

/** The error for a 64-bit (or uint32) value at a flat index that does not fit int32. */
export function narrowingFailure(name: string, header: NpyHeader) {
  return (index: number, value: bigint | number): never => {
    const at = unravelIndex(index, header.shape);
    throw new DatasetFormatError(
      'INT_OUT_OF_RANGE',
      `${name}: value ${value} at index [${at.join(', ')}] does not fit in int32 ` +
        `(dtype '${header.descr}' is narrowed to int32 for training)`,
      { file: name, index: at, value: String(value) },
    );
  };
}

/** The error for a file whose data ends before its shape's bytes. */
export function truncatedNpy(name: string, header: NpyHeader, dataBytes: number, available: number) {
  return new DatasetFormatError(
    'NPY_TRUNCATED',
    `${name} is truncated: shape (${header.shape.join(', ')}) of '${header.descr}' needs ${dataBytes} data bytes ` +
      `but only ${available} follow the header`,
    { file: name, shape: header.shape, expectedBytes: dataBytes, actualBytes: available },
  );
}

/** Parses one .npy file (format 1.0/2.0/3.0, C order) into a tensor; 64-bit types narrow to 32-bit. */
export function parseNpy(name: string, bytes: Uint8Array): NdArray {
  const header = readNpyHeader(name, bytes);
  const kind = npyKind(name, header);
  const count = elementCount(header.shape);
  const dataBytes = count * kind.itemBytes;
  const available = bytes.length - header.dataOffset;
  if (available < dataBytes) throw truncatedNpy(name, header, dataBytes, available);
  // Copying (not Buffer#slice, which shares memory) gives an aligned buffer the typed-array views below require (the data offset need not be aligned).
  const copy = new Uint8Array(bytes.subarray(header.dataOffset, header.dataOffset + dataBytes));
  if (kind.bigEndian) swapBytes(copy, kind.itemBytes);
  const data = kind.convert(copy.buffer, count, narrowingFailure(name, header));
  return { dtype: kind.dtype, shape: header.shape, data };
}

// The converters assume a little-endian host, which every platform Node supports in practice is.
export function swapBytes(bytes: Uint8Array, itemBytes: number): void {
  if (itemBytes === 1) return;
  for (let start = 0; start < bytes.length; start += itemBytes) {
    bytes.subarray(start, start + itemBytes).reverse();
  }
}
