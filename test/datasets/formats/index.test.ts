import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { detectFormat, parseDataset } from '../../../src/datasets/formats/index.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeIdx } from '../fixtures/idx-writer.ts';
import { encodePng } from '../fixtures/image-writer.ts';
import { npy } from '../fixtures/npy-writer.ts';

const text = (s: string) => new TextEncoder().encode(s);
const xy = { 'x.npy': npy('<f4', [2, 1], [1, 2]), 'y.npy': npy('|u1', [2], [0, 1]) };
const png = encodePng(2, 2, () => [9, 9, 9]);

describe('detectFormat', () => {
  it('recognises each format by its bytes, whatever the file is called', () => {
    assert.equal(detectFormat([{ name: 'upload.bin', data: encodeIdx(0x08, [1], [1]) }]), 'idx');
    assert.equal(detectFormat([{ name: 'upload.bin', data: encodeIdx(0x08, [1], [1], true) }]), 'idx');
    assert.equal(detectFormat([{ name: 'upload.bin', data: xy['x.npy'] }]), 'npy');
    assert.equal(detectFormat([{ name: 'upload.zip', data: zipSync(xy) }]), 'npz');
    assert.equal(detectFormat([{ name: 'upload.zip', data: zipSync({ 'cat/1.png': png }) }]), 'image-zip');
    assert.equal(detectFormat([{ name: 'data.csv', data: text('a,b\n1,2\n') }]), 'csv');
  });

  it('names a file it cannot recognise', () => {
    assertDatasetError(
      () => detectFormat([{ name: 'notes.docx', data: text('hello') }]),
      'UNKNOWN_FORMAT',
      'notes.docx',
    );
  });

  it('refuses a mix of formats, listing each file with its format', () => {
    assertDatasetError(
      () =>
        detectFormat([
          { name: 'a.csv', data: text('a\n1\n') },
          { name: 'x.npy', data: xy['x.npy'] },
        ]),
      'MIXED_FORMATS',
      'a.csv (csv)',
      'x.npy (npy)',
    );
  });

  it('refuses an empty upload', () => {
    assertDatasetError(() => detectFormat([]), 'NO_FILES', 'no dataset files');
  });
});

describe('parseDataset', () => {
  it('routes each format to its parser with its options', () => {
    const csv = parseDataset([{ name: 'd.csv', data: text('y,a\ncat,1\ndog,2\n') }], { csv: { labelColumn: 'y' } });
    assert.deepEqual(csv.classes, ['cat', 'dog']);
    assert.deepEqual([...csv.splits.train!.x.data], [1, 2]);

    const npz = parseDataset([{ name: 'd.npz', data: zipSync(xy) }]);
    assert.equal(npz.format, 'npz');
    assert.deepEqual([...npz.splits.train!.x.data], [1, 2]);

    const images = parseDataset([{ name: 'd.zip', data: zipSync({ 'cat/1.png': png }) }], {
      imageZip: { size: [1, 1], channels: 1 },
    });
    assert.deepEqual(images.splits.train!.x, { dtype: 'uint8', shape: [1, 1, 1, 1], data: new Uint8Array([9]) });
  });

  it('applies size limits to .npz archives', () => {
    assertDatasetError(
      () => parseDataset([{ name: 'd.npz', data: zipSync(xy) }], { limits: { maxFiles: 1 } }),
      'ZIP_TOO_MANY_FILES',
      'd.npz',
    );
  });

  it('refuses more than one image ZIP', () => {
    const zip = zipSync({ 'cat/1.png': png });
    assertDatasetError(
      () =>
        parseDataset([
          { name: 'a.zip', data: zip },
          { name: 'b.zip', data: zip },
        ]),
      'INVALID_OPTION',
      'a.zip, b.zip',
    );
  });
});
