import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseCifarArchive } from '../../../src/datasets/formats/cifar.ts';
import { parseDataset } from '../../../src/datasets/formats/index.ts';
import { PickledArray, unpickle } from '../../../src/datasets/formats/pickle.ts';
import { readTarEntries } from '../../../src/datasets/formats/tar.ts';
import { cifarArchive, cifarBatchPickle, tarArchive } from '../fixtures/cifar-writer.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';

describe('cifar-10-python.tar.gz', () => {
  test('reads as Keras does: 5 train batches, the test batch, [n, 32, 32, 3] channel-last images, class names', () => {
    const { archive, pixel, label } = cifarArchive(3);
    const parsed = parseDataset([{ name: 'cifar-10-python.tar.gz', data: archive }], { format: 'cifar' });
    const { train, test: testSplit } = parsed.splits;
    assert.deepEqual(train!.x.shape, [15, 32, 32, 3]);
    assert.deepEqual(testSplit!.x.shape, [3, 32, 32, 3]);
    assert.deepEqual(
      [...train!.y.data],
      Array.from({ length: 15 }, (_, i) => label(i)),
    );
    assert.deepEqual([...testSplit!.y.data], [15, 16, 17].map(label));
    // Image 7 (batch 3), pixel (row 4, col 9): channels are its R, G, B planes at position 4*32+9.
    const p = 4 * 32 + 9;
    const at = (7 * 1024 + p) * 3;
    assert.deepEqual([...train!.x.data.subarray(at, at + 3)], [pixel(7, 0, p), pixel(7, 1, p), pixel(7, 2, p)]);
    assert.equal(parsed.classes?.[9], 'truck');
  });

  test('a missing batch, a corrupt tar and a foreign pickle are refused with what is wrong', () => {
    const onlyOne = gzipSync(
      tarArchive([{ name: 'cifar-10-batches-py/data_batch_1', data: cifarBatchPickle([1], new Uint8Array(3072)) }]),
    );
    assertDatasetError(
      () => parseCifarArchive([{ name: 'c.tar.gz', data: new Uint8Array(onlyOne) }]),
      'CIFAR_LAYOUT',
      'data_batch_2',
    );
    const tar = tarArchive([{ name: 'a', data: new Uint8Array(10) }]);
    tar[130] ^= 0x07; // a size digit: the header checksum no longer holds
    assertDatasetError(() => readTarEntries('t.tar', tar), 'TAR_CORRUPT', 't.tar');
    // A pickle that would call os.system when loaded by Python: nothing is called, it is refused.
    const evil = Uint8Array.from('\x80\x02cos\nsystem\nq\x00U\x02lsq\x01\x85q\x02Rq\x03.', (c) => c.charCodeAt(0));
    assertDatasetError(() => unpickle('evil.pkl', evil), 'PICKLE_UNSUPPORTED', 'os.system');
  });

  test('unpickle rebuilds numpy arrays from Python 2 (cPickle) pickles', () => {
    const data = Uint8Array.from({ length: 2 * 3072 }, (_, i) => i % 251);
    const batch = unpickle('b', cifarBatchPickle([4, 2], data)) as Map<string, unknown>;
    const array = batch.get('data') as PickledArray;
    assert.ok(array instanceof PickledArray);
    assert.deepEqual([array.shape, array.dtype, array.fortran], [[2, 3072], 'u1', false]);
    assert.deepEqual(array.data, data);
    assert.deepEqual(batch.get('labels'), [4, 2]);
  });
});
