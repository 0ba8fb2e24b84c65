import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { parseImageZip, type ImageZipOptions } from '../../../src/datasets/formats/image-zip.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeJpeg, encodePng, type Rgb } from '../fixtures/image-writer.ts';
import { corruptFirstEntryData } from '../fixtures/zip-tools.ts';

const solidPng = (color: Rgb, width = 4, height = 4) => encodePng(width, height, () => color);
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];

const parse = (entries: Record<string, Uint8Array>, options: ImageZipOptions = { size: [2, 2], channels: 3 }) =>
  parseImageZip({ name: 'pets.zip', data: zipSync(entries) }, options);

describe('parseImageZip', () => {
  it('reads class folders under one top folder, ignoring archive metadata', () => {
    const { format, splits, classes } = parse({
      'pets/dog/a.png': solidPng(BLUE),
      'pets/cat/b.jpeg': encodeJpeg(8, 8, () => WHITE),
      'pets/cat/a.png': solidPng(RED),
      'pets/.DS_Store': new Uint8Array([0]),
      '__MACOSX/pets/cat/._a.png': new Uint8Array([0]),
    });
    assert.equal(format, 'image-zip');
    assert.deepEqual(classes, ['cat', 'dog']);
    const { x, y } = splits.train!;
    assert.equal(x.dtype, 'uint8');
    assert.deepEqual(x.shape, [3, 2, 2, 3]);
    // Entries are ordered by path: cat/a.png, cat/b.jpeg, dog/a.png.
    assert.deepEqual(y, { dtype: 'int32', shape: [3], data: new Int32Array([0, 0, 1]) });
    assert.deepEqual([...x.data.subarray(0, 12)], new Array(4).fill(RED).flat());
    assert.ok(
      [...x.data.subarray(12, 24)].every((v) => v >= 250),
      'white JPEG',
    );
    assert.deepEqual([...x.data.subarray(24, 36)], new Array(4).fill(BLUE).flat());
  });

  it('reads train/ and test/ folders (here under a top folder) into splits sharing one class list, in gray, resized', () => {
    const { splits, classes } = parse(
      {
        'mnist_png/train/cat/1.png': solidPng(WHITE, 6, 3),
        'mnist_png/train/dog/1.jpg': encodeJpeg(5, 5, () => [0, 0, 0]),
        'mnist_png/test/bird/1.png': solidPng(RED, 2, 2),
      },
      { size: [3, 3], channels: 1 },
    );
    assert.deepEqual(classes, ['bird', 'cat', 'dog']);
    assert.deepEqual(splits.train!.x.shape, [2, 3, 3, 1]);
    assert.deepEqual([...splits.train!.y.data], [1, 2]);
    assert.deepEqual([...splits.train!.x.data.subarray(0, 9)], new Array(9).fill(255));
    assert.deepEqual(splits.test!.x.shape, [1, 3, 3, 1]);
    assert.deepEqual([...splits.test!.x.data], new Array(9).fill(76));
    assert.deepEqual([...splits.test!.y.data], [0]);
  });

  it('defaults to RGB at the first image size', () => {
    const { splits } = parse({ 'a/1.png': solidPng(RED, 5, 3), 'b/1.png': solidPng(BLUE, 10, 6) }, {});
    assert.deepEqual(splits.train!.x.shape, [2, 3, 5, 3]);
  });

  it('refuses entries that would escape the folder (zip-slip), naming them', () => {
    for (const name of ['../evil/x.png', 'cat/../../x.png', '/etc/x.png', 'C:/x.png', 'cat\\..\\..\\x.png']) {
      assertDatasetError(
        () => parse({ 'cat/1.png': solidPng(RED), [name]: solidPng(RED) }),
        'ZIP_UNSAFE_PATH',
        `"${name}"`,
      );
    }
  });

  it('refuses archives with more entries than maxFiles', () => {
    const entries = { 'a/1.png': solidPng(RED), 'a/2.png': solidPng(RED), 'b/1.png': solidPng(BLUE) };
    assertDatasetError(
      () => parse(entries, { size: [2, 2], channels: 3, maxFiles: 2 }),
      'ZIP_TOO_MANY_FILES',
      'pets.zip',
      '2 entries',
    );
  });

  it('refuses archives that expand past maxUncompressedBytes before inflating anything', () => {
    // The entry's data is garbage, so reaching the size check (and not a decompression error) proves the
    // sizes were read from the central directory first.
    const zip = corruptFirstEntryData(zipSync({ 'a/1.png': new Uint8Array(100_000) }));
    assertDatasetError(
      () => parseImageZip({ name: 'bomb.zip', data: zip }, { size: [2, 2], channels: 3, maxUncompressedBytes: 50_000 }),
      'ZIP_TOO_LARGE',
      'bomb.zip',
      '"a/1.png"',
    );
  });

  it('names the entry that is not a decodable image', () => {
    const entries = { 'cat/1.png': solidPng(RED), 'cat/2.png': new TextEncoder().encode('not a png') };
    assertDatasetError(() => parse(entries), 'IMAGE_UNDECODABLE', 'pets.zip: cat/2.png');
  });

  it('refuses images outside class folders, naming the entry', () => {
    assertDatasetError(
      () => parse({ 'cat/1.png': solidPng(RED), 'loose.png': solidPng(RED) }),
      'IMAGE_ZIP_LAYOUT',
      '"loose.png"',
    );
  });

  it('refuses an archive with no images', () => {
    assertDatasetError(() => parse({ 'README.txt': new TextEncoder().encode('hi') }), 'IMAGE_ZIP_EMPTY', 'pets.zip');
  });

  it('refuses bytes that are not a ZIP', () => {
    assertDatasetError(() => parseImageZip({ name: 'x.zip', data: new Uint8Array(30) }), 'ZIP_CORRUPT', 'x.zip');
  });
});
