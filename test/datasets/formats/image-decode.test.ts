import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeImage } from '../../../src/datasets/formats/image-decode.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeJpeg, encodePng, type Rgb } from '../fixtures/image-writer.ts';

const palette: Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [10, 20, 30],
  [200, 100, 50],
  [0, 0, 0],
];
const gray = (v: number): Rgb => [v, v, v];

describe('decodeImage', () => {
  it('decodes a PNG to exact RGB pixels [h, w, 3] in row-major order', () => {
    const png = encodePng(3, 2, (x, y) => palette[y * 3 + x]!);
    assert.deepEqual([...decodeImage(png, { size: [2, 3], channels: 3 })], palette.flat());
  });

  it('converts to gray with ITU-R 601 luma', () => {
    const png = encodePng(3, 1, (x) => palette[x]!);
    // 0.299 * 255, 0.587 * 255, 0.114 * 255, rounded
    assert.deepEqual([...decodeImage(png, { size: [1, 3], channels: 1 })], [76, 150, 29]);
  });

  it('decodes a JPEG (lossy, so within a small tolerance)', () => {
    const jpg = encodeJpeg(16, 16, () => [200, 100, 50]);
    const pixels = decodeImage(jpg, { size: [16, 16], channels: 3 });
    assert.equal(pixels.length, 16 * 16 * 3);
    for (let i = 0; i < pixels.length; i += 3) {
      assert.ok(
        Math.abs(pixels[i]! - 200) <= 3 && Math.abs(pixels[i + 1]! - 100) <= 3 && Math.abs(pixels[i + 2]! - 50) <= 3,
      );
    }
  });

  it('upscales bilinearly with half-pixel centres', () => {
    const png = encodePng(2, 1, (x) => gray(x * 100));
    assert.deepEqual([...decodeImage(png, { size: [1, 4], channels: 1 })], [0, 25, 75, 100]);
  });

  it('downscales without shifting: a left/right split image stays split', () => {
    const png = encodePng(4, 4, (x) => gray(x < 2 ? 0 : 200));
    assert.deepEqual([...decodeImage(png, { size: [2, 2], channels: 1 })], [0, 200, 0, 200]);
  });

  it('refuses bytes that are not PNG or JPEG, and a truncated PNG', () => {
    assertDatasetError(
      () => decodeImage(new TextEncoder().encode('GIF89a...'), { size: [1, 1], channels: 1 }),
      'IMAGE_UNDECODABLE',
      'neither PNG nor JPEG',
    );
    const png = encodePng(8, 8, () => gray(1));
    assertDatasetError(
      () => decodeImage(png.subarray(0, 40), { size: [8, 8], channels: 1 }),
      'IMAGE_UNDECODABLE',
      'PNG error',
    );
  });

  it('refuses a PNG that declares an enormous size before allocating it', () => {
    const png = encodePng(1, 1, () => gray(1));
    new DataView(png.buffer).setUint32(16, 100_000);
    new DataView(png.buffer).setUint32(20, 100_000);
    assertDatasetError(
      () => decodeImage(png, { size: [1, 1], channels: 1 }),
      'IMAGE_UNDECODABLE',
      'more than 40000000 pixels',
    );
  });

  it('refuses impossible target shapes', () => {
    const png = encodePng(1, 1, () => gray(1));
    assertDatasetError(() => decodeImage(png, { size: [0, 4], channels: 1 }), 'INVALID_OPTION', 'size');
    assertDatasetError(() => decodeImage(png, { size: [4, 4], channels: 2 as 1 }), 'INVALID_OPTION', 'channels');
  });
});
