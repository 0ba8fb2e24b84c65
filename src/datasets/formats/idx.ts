import { DatasetFormatError } from './errors.ts';
import { gunzipDeclared, type HeaderReader } from './gunzip-declared.ts';
import { resolveLimits, type SizeLimits } from './limits.ts';
import { assertFinite, assertSplitsAgree, elementCount, makeSplit, splitHintFromName } from './ndarray.ts';
import type { DatasetFile, ParsedDataset, Split, SplitName } from './types.ts';
import type { DType, NdArray } from '../../domain/arrays.ts';
import { splitsFromNamedArrays } from './named-arrays.ts';

interface IdxElementType {
  bytes: number;
  dtype: DType;
  read: (view: DataView, offset: number) => number;
}

// IDX stores everything big-endian; byte/short/int widen to int32 because tensors have no int8/int16.
const IDX_TYPES: Record<number, IdxElementType> = {
  0x08: { bytes: 1, dtype: 'uint8', read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, dtype: 'int32', read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, dtype: 'int32', read: (v, o) => v.getInt16(o, false) },
  0x0c: { bytes: 4, dtype: 'int32', read: (v, o) => v.getInt32(o, false) },
  0x0d: { bytes: 4, dtype: 'float32', read: (v, o) => v.getFloat32(o, false) },
  0x0e: { bytes: 8, dtype: 'float32', read: (v, o) => v.getFloat64(o, false) },
};

/** True when the bytes start like an (ungzipped) IDX file: two zero bytes, a known type code, a dimension count. */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2]! in IDX_TYPES && bytes[3]! >= 1;
}

/**
 * The size an IDX header declares, from a file's first bytes (for gunzipDeclared): a header declaring
 * more than the dataset limit is refused before anything more is inflated.
 */
function idxHeader(name: string, maxBytes: number): HeaderReader {
  return (head) => {
    if (head.length < 4) return undefined;
    if (!looksLikeIdx(head)) return null;
    const headerBytes = 4 + 4 * head[3]!;
    if (head.length < headerBytes) return undefined;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const shape = Array.from({ length: head[3]! }, (_, i) => view.getUint32(4 + 4 * i, false));
    const bytes = headerBytes + elementCount(shape) * IDX_TYPES[head[2]!]!.bytes;
    if (bytes > maxBytes) {
      throw new DatasetFormatError(
        'TOO_LARGE',
        `${name}: its IDX header declares shape [${shape.join(', ')}] (${bytes} bytes), more than the ${maxBytes} bytes a dataset may expand to`,
        { file: name, shape, declaredBytes: bytes, maxBytes },
      );
    }
    return { bytes, what: `its IDX header declares (shape [${shape.join(', ')}])` };
  };
}

/** Parses one IDX file (gzipped or raw) into a tensor with the shape its header declares. */
export function parseIdxFile(name: string, raw: Uint8Array, limits: SizeLimits = {}): NdArray {
  const maxBytes = resolveLimits(limits).maxUncompressedBytes;
  const bytes = gunzipDeclared(name, raw, maxBytes, idxHeader(name, maxBytes));
  if (!looksLikeIdx(bytes)) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    throw new DatasetFormatError(
      'IDX_BAD_MAGIC',
      `${name} is not an IDX file: magic number 0x${magic || '(empty)'} is not 0x000008NN..0x00000eNN ` +
        `(MNIST images are 0x00000803, labels 0x00000801)`,
      { file: name, magic },
    );
  }
  const type = IDX_TYPES[bytes[2]!]!;
  const dims = bytes[3]!;
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) {
    throw new DatasetFormatError(
      'IDX_TRUNCATED',
      `${name} is truncated: its header declares ${dims} dimensions but the file ends after ${bytes.length} bytes`,
      { file: name, expectedBytes: headerBytes, actualBytes: bytes.length },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = elementCount(shape);
  const expectedBytes = headerBytes + count * type.bytes;
  if (bytes.length < expectedBytes) {
    throw new DatasetFormatError(
      'IDX_TRUNCATED',
      `${name} is truncated: shape [${shape.join(', ')}] needs ${expectedBytes} bytes but the file has ${bytes.length}`,
      { file: name, shape, expectedBytes, actualBytes: bytes.length },
    );
  }
  if (bytes.length > expectedBytes) {
    throw new DatasetFormatError(
      'IDX_TRAILING_BYTES',
      `${name} has ${bytes.length - expectedBytes} bytes after the data its header declares ` +
        `(shape [${shape.join(', ')}]); the header or the file is wrong`,
      { file: name, shape, expectedBytes, actualBytes: bytes.length },
    );
  }
  return { dtype: type.dtype, shape, data: readElements(view, headerBytes, count, type) };
}

function readElements(view: DataView, offset: number, count: number, type: IdxElementType): NdArray['data'] {
  if (type.dtype === 'uint8' && type.bytes === 1) {
    return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
  }
  const out = type.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = type.read(view, offset + i * type.bytes);
  return out;
}

/** Image tensors get a trailing channel axis so [n, rows, cols] becomes [n, rows, cols, 1] as conv layers expect. */
function withChannelAxis(array: NdArray): NdArray {
  return array.shape.length === 3 ? { ...array, shape: [...array.shape, 1] } : array;
}

/** An IDX file named as an array (`image_train.idx.gz`), rather than MNIST's `train-images-idx3-ubyte.gz`. */
const NAMED_IDX = /^(?:.*[\\/])?([^\\/]+)\.idx(?:\.gz)?$/i;

interface ParsedIdxFile {
  name: string;
  array: NdArray;
}

/**
 * Parses IDX image/label file pairs (MNIST layout) into splits.
 * Labels are the 1-D file of each pair; names containing train / test / t10k choose the split.
 */
export function parseIdx(files: DatasetFile[], limits: SizeLimits = {}): ParsedDataset {
  const groups = new Map<SplitName, ParsedIdxFile[]>();
  for (const file of files) {
    const split = splitHintFromName(file.name) ?? 'train';
    const group = groups.get(split) ?? [];
    group.push({ name: file.name, array: parseIdxFile(file.name, file.data, limits) });
    groups.set(split, group);
  }
  const splits: ParsedDataset['splits'] = {};
  const names: Partial<Record<SplitName, { x: string; y: string }>> = {};
  // Files that do not pair as MNIST's images and labels, all named <array>[_train|_test].idx[.gz], are
  // named arrays, one per model input and output.
  const pairs = [...groups].every(([, group]) => isImageLabelPair(group));
  if (!pairs && files.every((file) => NAMED_IDX.test(file.name))) {
    const arrays = [...groups.values()].flat().map(({ name, array }) => ({
      key: name.replace(NAMED_IDX, '$1'),
      source: name,
      array: withChannelAxis(array),
    }));
    return splitsFromNamedArrays('idx', files.map((f) => f.name).join(', '), arrays);
  }
  for (const [split, group] of groups)
    ({ split: splits[split], names: names[split] } = pairImagesWithLabels(split, group));
  if (splits.train && splits.test)
    assertSplitsAgree(splits.train, splits.test, { train: names.train!, test: names.test! });
  return { format: 'idx', splits };
}

const isImageLabelPair = (group: ParsedIdxFile[]) =>
  group.length === 2 && group.filter((f) => f.array.shape.length === 1).length === 1;

function pairImagesWithLabels(
  split: SplitName,
  group: ParsedIdxFile[],
): { split: Split; names: { x: string; y: string } } {
  const labels = group.filter((f) => f.array.shape.length === 1);
  const images = group.filter((f) => f.array.shape.length > 1);
  if (labels.length !== 1 || images.length !== 1) {
    const names = group.map((f) => `${f.name} [${f.array.shape.join(', ')}]`).join(', ');
    throw new DatasetFormatError(
      'IDX_PAIRING',
      `expected exactly one images file (2+ dimensions) and one labels file (1 dimension) for the ${split} split, ` +
        `got: ${names}. Put "train" or "test"/"t10k" in the file names to tell pairs apart`,
      { split, files: group.map((f) => ({ name: f.name, shape: f.array.shape })) },
    );
  }
  const image = images[0]!;
  const label = labels[0]!;
  // IDX float types (0x0d, 0x0e) can hold NaN and ±Infinity, and float64 values may overflow float32.
  assertFinite(image.array, image.name);
  assertFinite(label.array, label.name);
  return {
    split: makeSplit(withChannelAxis(image.array), label.array, image.name, label.name),
    names: { x: image.name, y: label.name },
  };
}
