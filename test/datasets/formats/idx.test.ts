import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxFile } from '../../../src/datasets/formats/idx.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeIdx } from '../fixtures/idx-writer.ts';
import { gzipBomb, idxLabelsHeader } from '../fixtures/gzip-bomb.ts';

const IMAGES = 0x08;

// Three 2x3 "images" whose pixels are 0..17, and their labels.
const pixels = Array.from({ length: 18 }, (_, i) => i * 10);
const labels = [3, 1, 4];

describe('parseIdx', () => {
  it('reads MNIST-style train (raw) and t10k (gzipped) pairs into splits with a channel axis', () => {
    const result = parseIdx([
      { name: 'train-images-idx3-ubyte', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
      { name: 'train-labels-idx1-ubyte', data: encodeIdx(IMAGES, [3], labels) },
      { name: 't10k-labels-idx1-ubyte.gz', data: encodeIdx(IMAGES, [1], [9], true) },
      { name: 't10k-images-idx3-ubyte.gz', data: encodeIdx(IMAGES, [1, 2, 3], [1, 2, 3, 4, 5, 6], true) },
    ]);
    assert.equal(result.format, 'idx');
    const train = result.splits.train!;
    assert.deepEqual(train.x.shape, [3, 2, 3, 1]);
    assert.equal(train.x.dtype, 'uint8');
    assert.deepEqual([...train.x.data], pixels);
    assert.deepEqual(train.y.shape, [3]);
    assert.deepEqual([...train.y.data], labels);
    const test = result.splits.test!;
    assert.deepEqual(test.x.shape, [1, 2, 3, 1]);
    assert.deepEqual([...test.x.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...test.y.data], [9]);
  });

  it('treats a single pair without train/test in the names as the train split', () => {
    const result = parseIdx([
      { name: 'labels.idx', data: encodeIdx(IMAGES, [3], labels) },
      { name: 'images.idx', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
    ]);
    assert.deepEqual(Object.keys(result.splits), ['train']);
    assert.deepEqual([...result.splits.train!.y.data], labels);
  });

  it('reads every IDX element type, big-endian, narrowed to uint8/int32/float32', () => {
    const cases: Array<[number, number[], string]> = [
      [0x09, [-128, 0, 127], 'int32'],
      [0x0b, [-32768, 2, 32767], 'int32'],
      [0x0c, [-2147483648, 5, 2147483647], 'int32'],
      [0x0d, [-1.5, 0, 3.25], 'float32'],
      [0x0e, [-1.5, 1e-3, 1e30], 'float32'],
    ];
    for (const [code, values, dtype] of cases) {
      const array = parseIdxFile('f.idx', encodeIdx(code, [3], values));
      assert.equal(array.dtype, dtype, `type 0x${code.toString(16)}`);
      assert.deepEqual([...array.data], dtype === 'float32' ? values.map(Math.fround) : values);
    }
  });

  it('rejects a file with a wrong magic number, naming the file', () => {
    const notIdx = new TextEncoder().encode('label,x\n1,2\n');
    assertDatasetError(
      () => parseIdxFile('train-images.idx', notIdx),
      'IDX_BAD_MAGIC',
      'train-images.idx',
      '0x6c616265',
    );
  });

  it('rejects a truncated file whose header declares more data than it holds', () => {
    const full = encodeIdx(IMAGES, [3, 2, 3], pixels);
    const error = assertDatasetError(
      () => parseIdxFile('train-images.gz', full.subarray(0, full.length - 5)),
      'IDX_TRUNCATED',
      'train-images.gz',
      '[3, 2, 3]',
    );
    assert.deepEqual(error.details, { file: 'train-images.gz', shape: [3, 2, 3], expectedBytes: 34, actualBytes: 29 });
  });

  it('rejects a file with more data than its header declares', () => {
    const padded = new Uint8Array([...encodeIdx(IMAGES, [3], labels), 0, 0]);
    assertDatasetError(() => parseIdxFile('labels.idx', padded), 'IDX_TRAILING_BYTES', 'labels.idx', '2 bytes');
  });

  it('refuses a gzip file that expands past the size limit', () => {
    const gz = encodeIdx(IMAGES, [3, 2, 3], pixels, true);
    assertDatasetError(() => parseIdxFile('x.gz', gz, { maxUncompressedBytes: 20 }), 'TOO_LARGE', 'x.gz', '20 bytes');
  });

  it('refuses a gzip bomb (a small IDX header, then 256 MiB of zeros) once it inflates past the declared size', async () => {
    // 10 labels declared (18 bytes); the old reader inflated every zero, up to the dataset limit, first.
    const bomb = await gzipBomb(
      new Uint8Array([...idxLabelsHeader(10), ...labels, 1, 2, 3, 4, 5, 6, 7]),
      256 * 1024 ** 2,
    );
    assert.ok(bomb.length < 1024 * 1024, 'a small file');
    const error = assertDatasetError(
      () => parseIdxFile('t10k-labels-idx1-ubyte.gz', bomb),
      'TOO_LARGE',
      't10k-labels-idx1-ubyte.gz inflates to more than the 18 bytes its IDX header declares (shape [10])',
      'refused without inflating the rest',
    );
    assert.deepEqual(error.details, { file: 't10k-labels-idx1-ubyte.gz', declaredBytes: 18 });
  });

  it('refuses a gzipped IDX whose header declares more than the size limit, before inflating its data', () => {
    const gz = encodeIdx(IMAGES, [3, 2, 3], pixels, true);
    assertDatasetError(
      () => parseIdxFile('x.gz', gz, { maxUncompressedBytes: 30 }),
      'TOO_LARGE',
      'x.gz: its IDX header declares shape [3, 2, 3] (34 bytes), more than the 30 bytes',
    );
  });

  it('rejects a gzip file whose CRC-32 does not match its data', () => {
    const gz = encodeIdx(IMAGES, [3], labels, true);
    const tampered = gz.slice();
    tampered[tampered.length - 8]! ^= 0xff;
    assertDatasetError(() => parseIdxFile('y.gz', tampered), 'GZIP_CORRUPT', 'y.gz', 'CRC-32');
  });

  it('rejects a corrupt gzip file, naming it', () => {
    const gz = encodeIdx(IMAGES, [3], labels, true);
    assertDatasetError(() => parseIdxFile('y.gz', gz.subarray(0, 12)), 'GZIP_CORRUPT', 'y.gz');
  });

  it('rejects images and labels of different counts, naming both files', () => {
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'train-images', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
          { name: 'train-labels', data: encodeIdx(IMAGES, [2], [1, 2]) },
        ]),
      'COUNT_MISMATCH',
      'train-images has 3 samples',
      'train-labels has 2 labels',
    );
  });

  it('rejects two image files for one split, listing what it got', () => {
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'a', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
          { name: 'b', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
        ]),
      'IDX_PAIRING',
      'a [3, 2, 3]',
      'b [3, 2, 3]',
    );
  });

  it('refuses train and test images of different sizes, naming both files and their shapes', () => {
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'train-images', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
          { name: 'train-labels', data: encodeIdx(IMAGES, [3], labels) },
          { name: 't10k-images', data: encodeIdx(IMAGES, [1, 3, 2], [1, 2, 3, 4, 5, 6]) },
          { name: 't10k-labels', data: encodeIdx(IMAGES, [1], [9]) },
        ]),
      'SPLIT_MISMATCH',
      'train-images has shape [3, 2, 3, 1]',
      't10k-images has shape [1, 3, 2, 1]',
    );
  });

  it('refuses NaN and values beyond float32 in float IDX files, naming the file and index', () => {
    const FLOAT32 = 0x0d;
    const FLOAT64 = 0x0e;
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'train-x', data: encodeIdx(FLOAT32, [2, 1, 2], [1, 2, Number.NaN, 4]) },
          { name: 'train-y', data: encodeIdx(IMAGES, [2], [0, 1]) },
        ]),
      'NON_FINITE',
      'train-x: value NaN at index [1, 0, 0]',
    );
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'train-x', data: encodeIdx(IMAGES, [2, 1, 2], [1, 2, 3, 4]) },
          { name: 'train-y', data: encodeIdx(FLOAT64, [2], [0.5, 1e300]) },
        ]),
      'NON_FINITE',
      'train-y: value Infinity at index [1]',
    );
  });
});

describe('IDX files named as arrays (<name>[_train|_test].idx[.gz])', () => {
  it('that do not pair as images and labels are a dataset of named arrays, images given their channel axis', () => {
    const { splits, arrays, format } = parseIdx([
      { name: 'image_train.idx', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
      { name: 'kind_train.idx.gz', data: gzipSync(encodeIdx(IMAGES, [3], [0, 2, 1])) },
      { name: 'size_train.idx', data: encodeIdx(IMAGES, [3, 2], [1, 2, 3, 4, 5, 6]) },
    ]);
    assert.equal(format, 'idx');
    assert.deepEqual(splits, {});
    assert.deepEqual(Object.keys(arrays!.train!).sort(), ['image', 'kind', 'size']);
    assert.deepEqual(arrays!.train!.image!.shape, [3, 2, 3, 1]);
    assert.deepEqual([...arrays!.train!.kind!.data], [0, 2, 1]);
  });

  it('refuse arrays of one split with different numbers of rows', () => {
    assertDatasetError(
      () =>
        parseIdx([
          { name: 'image.idx', data: encodeIdx(IMAGES, [3, 2, 3], pixels) },
          { name: 'kind.idx', data: encodeIdx(IMAGES, [2], [0, 1]) },
          { name: 'size.idx', data: encodeIdx(IMAGES, [3, 2], [1, 2, 3, 4, 5, 6]) },
        ]),
      'COUNT_MISMATCH',
      'image.idx has 3 rows',
    );
  });
});
