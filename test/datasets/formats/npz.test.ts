import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { detectFormat, parseDataset } from '../../../src/datasets/formats/index.ts';
import { parseNpyFiles, parseNpz } from '../../../src/datasets/formats/npz.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeNpy, npy } from '../fixtures/npy-writer.ts';

const xTrain = Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
const kerasArrays = {
  'x_train.npy': npy('|u1', [3, 2, 2], xTrain),
  'y_train.npy': npy('|u1', [3], [5, 0, 4]),
  'x_test.npy': npy('|u1', [1, 2, 2], [9, 8, 7, 6]),
  'y_test.npy': npy('|u1', [1], [7]),
};

describe('parseNpz', () => {
  for (const [label, level] of [
    ['np.savez (stored)', 0],
    ['np.savez_compressed (deflated)', 6],
  ] as const) {
    it(`reads the keras mnist.npz layout written by ${label}`, () => {
      const zip = zipSync(kerasArrays, { level });
      const { format, splits } = parseNpz([{ name: 'mnist.npz', data: zip }]);
      assert.equal(format, 'npz');
      assert.deepEqual(splits.train!.x.shape, [3, 2, 2]);
      assert.equal(splits.train!.x.dtype, 'uint8');
      assert.deepEqual([...splits.train!.x.data], xTrain);
      assert.deepEqual([...splits.train!.y.data], [5, 0, 4]);
      assert.deepEqual([...splits.test!.x.data], [9, 8, 7, 6]);
      assert.deepEqual([...splits.test!.y.data], [7]);
    });
  }

  it('reads an x / y archive as the train split, narrowing float64 and int64', () => {
    const zip = zipSync({ 'x.npy': npy('<f8', [2, 2], [0.5, 1, 1.5, 2]), 'y.npy': npy('<i8', [2], [1, 0]) });
    const { splits } = parseNpz([{ name: 'data.npz', data: zip }]);
    assert.deepEqual(Object.keys(splits), ['train']);
    assert.equal(splits.train!.x.dtype, 'float32');
    assert.deepEqual([...splits.train!.x.data], [0.5, 1, 1.5, 2]);
    assert.equal(splits.train!.y.dtype, 'int32');
    assert.deepEqual([...splits.train!.y.data], [1, 0]);
  });

  it('names the missing array when only half of a pair is present', () => {
    const zip = zipSync({ 'x_train.npy': kerasArrays['x_train.npy'] });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'NPZ_MISSING_ARRAYS', 'd.npz', 'no y_train');
  });

  it('reads arrays of other names as named arrays, split by their _train / _test suffix', () => {
    const zip = zipSync({
      'image_train.npy': kerasArrays['x_train.npy'],
      'label_train.npy': kerasArrays['y_train.npy'],
      'image_test.npy': kerasArrays['x_test.npy'],
      'label_test.npy': kerasArrays['y_test.npy'],
    });
    const { splits, arrays } = parseNpz([{ name: 'd.npz', data: zip }]);
    assert.deepEqual(splits, {});
    assert.deepEqual(Object.keys(arrays!.train!).sort(), ['image', 'label']);
    assert.deepEqual([...arrays!.train!.label!.data], [5, 0, 4]);
    assert.deepEqual(arrays!.test!.image!.shape, [1, 2, 2]);
  });

  it('named arrays without a suffix are the train split', () => {
    const zip = zipSync({ 'features.npy': kerasArrays['x_train.npy'], 'targets.npy': kerasArrays['y_train.npy'] });
    const { arrays } = parseNpz([{ name: 'd.npz', data: zip }]);
    assert.deepEqual(Object.keys(arrays!), ['train']);
    assert.deepEqual(arrays!.train!.features!.shape, [3, 2, 2]);
  });

  it('refuses named arrays of one split with different numbers of rows, naming both', () => {
    const zip = zipSync({ 'image.npy': kerasArrays['x_train.npy'], 'label.npy': npy('|u1', [2], [1, 2]) });
    assertDatasetError(
      () => parseNpz([{ name: 'd.npz', data: zip }]),
      'COUNT_MISMATCH',
      'image.npy has 3 rows',
      'label.npy has 2',
    );
  });

  it('refuses a test split that lacks an array of the train split, naming it', () => {
    const zip = zipSync({
      'image_train.npy': kerasArrays['x_train.npy'],
      'label_train.npy': kerasArrays['y_train.npy'],
      'image_test.npy': kerasArrays['x_test.npy'],
    });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'SPLIT_MISMATCH', 'missing label_test');
  });

  it('refuses an array name that cannot be mapped to a model input', () => {
    const zip = zipSync({ '1st.npy': kerasArrays['x_train.npy'] });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'BAD_ARRAY_NAME', '"1st"');
  });

  it('names the entry inside the archive when an array is bad', () => {
    const zip = zipSync({ 'x.npy': kerasArrays['x_train.npy'], 'y.npy': npy('<i8', [3], [1, 2, 2 ** 33]) });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'INT_OUT_OF_RANGE', 'd.npz: y.npy', '[2]');
  });

  it('refuses arrays of different lengths, naming both entries', () => {
    const zip = zipSync({ 'x.npy': kerasArrays['x_train.npy'], 'y.npy': npy('|u1', [2], [1, 2]) });
    assertDatasetError(
      () => parseNpz([{ name: 'd.npz', data: zip }]),
      'COUNT_MISMATCH',
      'd.npz: x.npy has 3',
      'd.npz: y.npy has 2',
    );
  });
});

describe('parseNpyFiles', () => {
  it('pairs loose .npy files by their names', () => {
    const files = Object.entries(kerasArrays).map(([name, data]) => ({ name: `upload/${name}`, data }));
    const { format, splits } = parseNpyFiles(files);
    assert.equal(format, 'npy');
    assert.deepEqual(splits.train!.x.shape, [3, 2, 2]);
    assert.deepEqual([...splits.test!.y.data], [7]);
  });
});

describe('an .npz with loose .npy files beside it', () => {
  it("is one set of named arrays: the archive's and the files', each named as its file is", () => {
    const files = [
      { name: 'images.npz', data: zipSync({ 'image_train.npy': npy('<f4', [2, 2], [1, 2, 3, 4]) }) },
      { name: 'dir/text_train.npy', data: npy('<i4', [2, 3], [1, 2, 3, 4, 5, 6]) },
      { name: 'category_train.npy', data: npy('<i8', [2], [0, 1]) },
    ];
    assert.equal(detectFormat(files), 'npz');
    const { arrays } = parseDataset(files);
    assert.deepEqual(Object.keys(arrays!.train!).sort(), ['category', 'image', 'text']);
    assert.deepEqual(arrays!.train!.text!.shape, [2, 3]);
  });
});

describe('train and test splits must agree (npy and npz)', () => {
  const n = (count: number) => Array.from({ length: count }, (_, i) => i);

  it('refuses x_train [10, 4] with x_test [3, 5], naming both arrays and their shapes', () => {
    const files = [
      { name: 'x_train.npy', data: npy('<f4', [10, 4], n(40)) },
      { name: 'y_train.npy', data: npy('<i4', [10], n(10)) },
      { name: 'x_test.npy', data: npy('<f4', [3, 5], n(15)) },
      { name: 'y_test.npy', data: npy('<i4', [3], n(3)) },
    ];
    assertDatasetError(
      () => parseNpyFiles(files),
      'SPLIT_MISMATCH',
      'x_train.npy has shape [10, 4]',
      'x_test.npy has shape [3, 5]',
    );
  });

  it('refuses label shapes and number kinds that differ between splits, inside an .npz too', () => {
    const labels = zipSync({ ...kerasArrays, 'y_test.npy': npy('|u1', [1, 2], [7, 7]) });
    assertDatasetError(
      () => parseNpz([{ name: 'm.npz', data: labels }]),
      'SPLIT_MISMATCH',
      'm.npz: y_train.npy has shape [3]',
      'm.npz: y_test.npy has shape [1, 2]',
    );
    const kinds = zipSync({ ...kerasArrays, 'x_test.npy': npy('<f4', [1, 2, 2], [0.9, 0.8, 0.7, 0.6]) });
    assertDatasetError(
      () => parseNpz([{ name: 'm.npz', data: kinds }]),
      'SPLIT_MISMATCH',
      'm.npz: x_train.npy holds uint8',
      'm.npz: x_test.npy holds float32',
    );
  });

  it('still accepts splits of different lengths, and uint8 beside int64 (both integers)', () => {
    const zip = zipSync({ ...kerasArrays, 'y_test.npy': npy('<i8', [1], [7]) });
    const { splits } = parseNpz([{ name: 'm.npz', data: zip }]);
    assert.deepEqual(splits.test!.y.shape, [1]);
  });

  it('refuses the same array twice (two .npz files both holding x_train) rather than keeping one', () => {
    const one = zipSync(kerasArrays);
    assertDatasetError(
      () =>
        parseNpz([
          { name: 'a.npz', data: one },
          { name: 'b.npz', data: one },
        ]),
      'DUPLICATE_ARRAY',
      'a.npz: x_train.npy',
      'b.npz: x_train.npy',
    );
  });
});

describe('non-finite values (npy and npz)', () => {
  it('refuses NaN in features and Infinity in labels, naming the array and the index', () => {
    const x = [0, 1, 2, 3, 4, Number.NaN];
    assertDatasetError(
      () =>
        parseNpyFiles([
          { name: 'x.npy', data: npy('<f4', [3, 2], x) },
          { name: 'y.npy', data: npy('<i4', [3], [0, 1, 0]) },
        ]),
      'NON_FINITE',
      'x.npy: value NaN at index [2, 1] (flat index 5)',
    );
    const zip = zipSync({
      'x.npy': npy('<f4', [2, 1], [1, 2]),
      'y.npy': npy('<f4', [2], [0.5, Number.NEGATIVE_INFINITY]),
    });
    assertDatasetError(
      () => parseNpz([{ name: 'd.npz', data: zip }]),
      'NON_FINITE',
      'd.npz: y.npy: value -Infinity at index [1]',
    );
  });

  it('refuses a float64 value beyond the float32 range (it would become Infinity)', () => {
    const files = [
      { name: 'x_train.npy', data: npy('<f8', [2, 2], [1, 2, 1e39, 4]) },
      { name: 'y_train.npy', data: npy('<i4', [2], [0, 1]) },
    ];
    assertDatasetError(() => parseNpyFiles(files), 'NON_FINITE', 'x_train.npy', 'index [1, 0]', 'flat index 2');
  });

  it('finds a NaN in the last element of a large array', () => {
    const count = 1 << 22; // 4M floats, 16 MB
    const data = new Float32Array(count).fill(0.5);
    data[count - 1] = Number.NaN;
    const x = encodeNpy({ descr: '<f4', shape: [count / 16, 16], body: new Uint8Array(data.buffer) });
    const y = npy('|u1', [count / 16], new Uint8Array(count / 16));
    assertDatasetError(
      () =>
        parseNpyFiles([
          { name: 'x.npy', data: x },
          { name: 'y.npy', data: y },
        ]),
      'NON_FINITE',
      `index [${count / 16 - 1}, 15] (flat index ${count - 1})`,
    );
  });
});
