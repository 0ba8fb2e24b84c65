import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  augmentImage,
  augmentedImageShape,
  batchRandom,
  type AugmentSpec,
  type ImageShape,
} from '../../../src/engine/data/index.ts';

const SAMPLES = 60;

/** Augments SAMPLES copies of `image` with one batch's random source; returns each result. */
function augmentCopies(image: Float32Array, s: ImageShape, spec: AugmentSpec): Float32Array[] {
  const n = image.length;
  const batch = new Float32Array(n * SAMPLES);
  for (let i = 0; i < SAMPLES; i++) batch.set(image, i * n);
  const random = batchRandom(1, 0, 0);
  const scratch = new Float32Array(n);
  for (let i = 0; i < SAMPLES; i++) augmentImage(batch, i * n, s, spec, random, scratch);
  return Array.from({ length: SAMPLES }, (_, i) => batch.slice(i * n, (i + 1) * n));
}

function ramp(s: ImageShape): Float32Array {
  return Float32Array.from({ length: s.height * s.width * s.channels }, (_, i) => (i % 17) / 17);
}

/** A black image with one bright pixel at (r, c). */
function dot(s: ImageShape, r: number, c: number): Float32Array {
  const img = new Float32Array(s.height * s.width);
  img[r * s.width + c] = 1;
  return img;
}

/** Value-weighted mean position (row, column) of a single-channel image. */
function centroid(img: Float32Array, s: ImageShape): [number, number] {
  let total = 0;
  let row = 0;
  let col = 0;
  img.forEach((v, i) => {
    total += v;
    row += v * Math.floor(i / s.width);
    col += v * (i % s.width);
  });
  return [row / total, col / total];
}

test('flipLeftRight leaves each image as is or exactly mirrored, both happening', () => {
  const s = { height: 3, width: 4, channels: 2 };
  const image = ramp(s);
  const mirrored = new Float32Array(image.length);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++)
      for (let k = 0; k < 2; k++) mirrored[(r * 4 + c) * 2 + k] = image[(r * 4 + 3 - c) * 2 + k]!;
  const out = augmentCopies(image, s, { flipLeftRight: true });
  const flipped = out.filter((img) => img.every((v, i) => v === mirrored[i])).length;
  const kept = out.filter((img) => img.every((v, i) => v === image[i])).length;
  assert.equal(flipped + kept, SAMPLES);
  assert.ok(flipped > 10 && kept > 10, `${flipped} flipped, ${kept} kept`);
});

test('brightness shifts each whole image by one delta within ±maxDelta, different per image', () => {
  const s = { height: 4, width: 4, channels: 3 };
  const image = ramp(s);
  const deltas = augmentCopies(image, s, { brightness: 0.2 }).map((img) => {
    const delta = img[0]! - image[0]!;
    img.forEach((v, i) => assert.ok(Math.abs(v - image[i]! - delta) < 1e-6));
    return delta;
  });
  assert.ok(deltas.every((d) => Math.abs(d) <= 0.2 + 1e-6));
  assert.ok(Math.max(...deltas) > 0.1 && Math.min(...deltas) < -0.1);
});

test('contrast changes the image but keeps every channel mean', () => {
  const s = { height: 4, width: 4, channels: 3 };
  const image = ramp(s);
  const channelMean = (img: Float32Array, k: number) => img.filter((_, i) => i % 3 === k).reduce((a, b) => a + b) / 16;
  for (const img of augmentCopies(image, s, { contrast: [0.2, 1.8] })) {
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(channelMean(img, k) - channelMean(image, k)) < 1e-5);
  }
  assert.notDeepEqual(augmentCopies(image, s, { contrast: [0.2, 1.8] })[0], image);
});

test('crop with padding p shifts content by at most p rows and columns, covering the whole range', () => {
  const s = { height: 9, width: 9, channels: 1 };
  const shifts = augmentCopies(dot(s, 4, 4), s, { crop: { padding: 2 } }).map((img) => {
    const [r, c] = centroid(img, s);
    return [r - 4, c - 4];
  });
  assert.ok(shifts.flat().every((d) => Number.isInteger(d) && Math.abs(d) <= 2));
  assert.deepEqual(
    [...new Set(shifts.map(([dy]) => dy))].sort((a, b) => a - b),
    [-2, -1, 0, 1, 2],
  );
});

test('rotation turns content about the centre by at most maxDegrees, both ways', () => {
  const s = { height: 21, width: 21, channels: 1 };
  const angles = augmentCopies(dot(s, 10, 18), s, { rotation: 30 }).map((img) => {
    const [r, c] = centroid(img, s);
    assert.ok(Math.abs(Math.hypot(r - 10, c - 10) - 8) < 0.5, 'stays 8 px from the centre');
    return (Math.atan2(10 - r, c - 10) * 180) / Math.PI;
  });
  assert.ok(
    angles.every((a) => Math.abs(a) <= 31),
    `${Math.max(...angles.map(Math.abs))}°`,
  );
  assert.ok(Math.max(...angles) > 15 && Math.min(...angles) < -15);
});

test('zoom moves content towards or away from the centre by at most maxFraction', () => {
  const s = { height: 21, width: 21, channels: 1 };
  const radii = augmentCopies(dot(s, 10, 16), s, { zoom: 0.25 }).map((img) => {
    const [r, c] = centroid(img, s);
    assert.ok(Math.abs(r - 10) < 1e-6, 'stays on its row');
    return c - 10;
  });
  assert.ok(radii.every((d) => d >= 6 * 0.75 - 0.5 && d <= 6 * 1.25 + 0.5));
  assert.ok(Math.max(...radii) > 6.5 && Math.min(...radii) < 5.5);
});

test('the same (seed, epoch, batch) draws the same augmentation; another batch draws another', () => {
  const s = { height: 8, width: 8, channels: 1 };
  const spec: AugmentSpec = { flipLeftRight: true, brightness: 0.3, crop: { padding: 2 }, rotation: 20, zoom: 0.1 };
  const run = (batch: number) => {
    const img = ramp(s);
    augmentImage(img, 0, s, spec, batchRandom(5, 1, batch), new Float32Array(64));
    return img;
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});

test('refuses non-image samples and out-of-range settings', () => {
  assert.deepEqual(augmentedImageShape({ rotation: 10 }, [28, 28]), { height: 28, width: 28, channels: 1 });
  assert.throws(() => augmentedImageShape({ rotation: 10 }, [784]), /shape \[h, w\] or \[h, w, c\]/);
  assert.throws(() => augmentedImageShape({ zoom: 1 }, [8, 8, 1]), /zoom/);
  assert.throws(() => augmentedImageShape({ contrast: [1.5, 0.5] }, [8, 8, 1]), /contrast/);
  assert.throws(() => augmentedImageShape({ crop: { padding: 1.5 } }, [8, 8, 1]), /padding/);
});
