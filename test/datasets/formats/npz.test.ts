import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { parseNpyFiles, parseNpz } from '../../../src/datasets/formats/npz.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { npy } from '../fixtures/npy-writer.ts';

const xTrain = Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
const kerasArrays = {
  'x_train.npy': npy('|u1', [3, 2, 2], xTrain),
  'y_train.npy': npy('|u1', [3], [5, 0, 4]),
  'x_test.npy': npy('|u1', [1, 2, 2], [9, 8, 7, 6]),
  'y_test.npy': npy('|u1', [1], [7]),
};

describe('parseNpz', () => {
  for (const [label, level] of [['np.savez (stored)', 0], ['np.savez_compressed (deflated)', 6]] as const) {
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

  it('lists the arrays it found when none fit the expected names', () => {
    const zip = zipSync({ 'features.npy': kerasArrays['x_train.npy'], 'targets.npy': kerasArrays['y_train.npy'] });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'NPZ_MISSING_ARRAYS', 'features, targets');
  });

  it('names the entry inside the archive when an array is bad', () => {
    const zip = zipSync({ 'x.npy': kerasArrays['x_train.npy'], 'y.npy': npy('<i8', [3], [1, 2, 2 ** 33]) });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'INT_OUT_OF_RANGE', 'd.npz: y.npy', '[2]');
  });

  it('refuses arrays of different lengths, naming both entries', () => {
    const zip = zipSync({ 'x.npy': kerasArrays['x_train.npy'], 'y.npy': npy('|u1', [2], [1, 2]) });
    assertDatasetError(() => parseNpz([{ name: 'd.npz', data: zip }]), 'COUNT_MISMATCH', 'd.npz: x.npy has 3', 'd.npz: y.npy has 2');
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
