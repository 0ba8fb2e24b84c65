import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDataset } from '../../../src/datasets/formats/index.ts';

// test/datasets/formats → repo root is three levels up; the shared datasets live beside the repo.
const mnistDir = fileURLToPath(new URL('../../../../shared/datasets/mnist/', import.meta.url));

describe('real MNIST t10k files', () => {
  it('detects IDX and parses 10,000 28x28x1 uint8 test images with their labels', () => {
    const files = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((name) => ({
      name,
      data: new Uint8Array(readFileSync(mnistDir + name)),
    }));
    const dataset = parseDataset(files);
    assert.equal(dataset.format, 'idx');
    assert.equal(dataset.splits.train, undefined);
    const test = dataset.splits.test!;
    assert.deepEqual(test.x.shape, [10000, 28, 28, 1]);
    assert.equal(test.x.dtype, 'uint8');
    assert.equal(test.x.data.length, 10000 * 28 * 28);
    assert.deepEqual(test.y.shape, [10000]);
    assert.deepEqual([...test.y.data.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // The first image is a 7: ink in the middle, blank corners.
    assert.equal(test.x.data[0], 0);
    assert.ok(Math.max(...test.x.data.subarray(0, 784)) === 255);
  });
});
