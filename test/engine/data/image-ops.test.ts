import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adjustBrightness,
  adjustContrast,
  flipLeftRight,
  flipUpDown,
  rotateAndZoom,
  shiftWithZeroFill,
  type ImageShape,
} from '../../../src/engine/data/image-ops.ts';

/** A [h, w, c] image whose value encodes its position, placed after `offset` padding values. */
function positional(s: ImageShape, offset = 0): Float32Array {
  const img = new Float32Array(offset + s.height * s.width * s.channels).fill(-7);
  for (let r = 0; r < s.height; r++) {
    for (let c = 0; c < s.width; c++)
      for (let k = 0; k < s.channels; k++) img[offset + (r * s.width + c) * s.channels + k] = 100 * r + 10 * c + k + 1;
  }
  return img;
}

function at(img: Float32Array, s: ImageShape, r: number, c: number, k: number, offset = 0): number {
  return img[offset + (r * s.width + c) * s.channels + k]!;
}

const shape: ImageShape = { height: 4, width: 5, channels: 3 };

test('flips are exact mirrors of the image at its offset, and undo themselves', () => {
  const img = positional(shape, 2);
  flipLeftRight(img, 2, shape);
  assert.equal(at(img, shape, 1, 0, 2, 2), 100 + 40 + 3);
  assert.equal(at(img, shape, 3, 2, 0, 2), 300 + 20 + 1); // the middle column stays
  assert.deepEqual([img[0], img[1]], [-7, -7]);
  flipLeftRight(img, 2, shape);
  assert.deepEqual(img, positional(shape, 2));
  flipUpDown(img, 2, shape);
  assert.equal(at(img, shape, 0, 4, 1, 2), 300 + 40 + 2);
  flipUpDown(img, 2, shape);
  assert.deepEqual(img, positional(shape, 2));
});

test('shift moves content by (dy, dx) and fills what came from outside with zeros', () => {
  const img = positional(shape);
  shiftWithZeroFill(img, 0, shape, 1, -2, new Float32Array(60));
  assert.equal(at(img, shape, 0, 2, 0), 100 + 0 + 1); // output(0, 2) = input(1, 0)
  assert.equal(at(img, shape, 2, 4, 2), 300 + 20 + 3);
  assert.equal(at(img, shape, 3, 3, 0), 0); // row 4 does not exist
  assert.equal(at(img, shape, 1, 1, 0), 0); // column −1 does not exist
});

test('rotation by 90° is np.rot90 (counter-clockwise), for odd and even sizes', () => {
  for (const n of [4, 5]) {
    const s = { height: n, width: n, channels: 2 };
    const img = positional(s);
    rotateAndZoom(img, 0, s, 90, 1, new Float32Array(n * n * 2));
    const original = positional(s);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        for (let k = 0; k < 2; k++)
          assert.ok(Math.abs(at(img, s, r, c, k) - at(original, s, c, n - 1 - r, k)) < 1e-3, `${n}: (${r}, ${c})`);
      }
    }
  }
});

test('rotation 0 with zoom 1 is the identity; zooming out keeps the centre and zero-fills the corners', () => {
  const s = { height: 5, width: 5, channels: 1 };
  const img = positional(s);
  rotateAndZoom(img, 0, s, 0, 1, new Float32Array(25));
  assert.deepEqual(img, positional(s));
  rotateAndZoom(img, 0, s, 0, 0.5, new Float32Array(25));
  assert.equal(at(img, s, 2, 2, 0), 221);
  assert.equal(at(img, s, 0, 0, 0), 0);
  assert.equal(at(img, s, 1, 1, 0), 1); // half way to the centre reads the original corner
  const zoomed = positional(s);
  rotateAndZoom(zoomed, 0, s, 0, 2, new Float32Array(25));
  assert.equal(at(zoomed, s, 0, 0, 0), 111); // zooming in: the corner shows what was at (1, 1)
});

test('brightness adds one delta everywhere; contrast scales around each channel mean', () => {
  const img = positional(shape);
  adjustBrightness(img, 0, shape, 0.5);
  assert.deepEqual(
    img,
    positional(shape).map((v) => v + 0.5),
  );
  const flat = positional(shape);
  adjustContrast(flat, 0, shape, 0);
  // Factor 0 turns every pixel into its channel's mean: 100·1.5 + 10·2 + k + 1.
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(at(flat, shape, 3, 1, k) - (171 + k)) < 1e-4);
});
