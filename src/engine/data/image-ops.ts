// Deterministic image transforms on one float32 HWC image stored at img[offset .. offset + h*w*c).
// They work in place (geometric ones through a caller-owned scratch buffer) so augmenting a batch
// allocates nothing per sample. The random parameters are drawn in augment.ts.

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Number of values in one image. */
export function imageSize(s: ImageShape): number {
  return s.height * s.width * s.channels;
}

/** Mirrors the image horizontally (column j swaps with column w-1-j). */
export function flipLeftRight(img: Float32Array, offset: number, s: ImageShape): void {
  const { height: h, width: w, channels: c } = s;
  for (let r = 0; r < h; r++) {
    const rowStart = offset + r * w * c;
    for (let j = 0; j < w >> 1; j++) {
      const a = rowStart + j * c;
      const b = rowStart + (w - 1 - j) * c;
      for (let k = 0; k < c; k++) {
        const t = img[a + k]!;
        img[a + k] = img[b + k]!;
        img[b + k] = t;
      }
    }
  }
}

/** Mirrors the image vertically (row i swaps with row h-1-i). */
export function flipUpDown(img: Float32Array, offset: number, s: ImageShape): void {
  const rowLength = s.width * s.channels;
  for (let r = 0; r < s.height >> 1; r++) {
    const a = offset + r * rowLength;
    const b = offset + (s.height - 1 - r) * rowLength;
    for (let k = 0; k < rowLength; k++) {
      const t = img[a + k]!;
      img[a + k] = img[b + k]!;
      img[b + k] = t;
    }
  }
}

/**
 * Moves content so that output(r, c) = input(r + dy, c + dx), zero where that falls outside: a crop
 * of the image zero-padded by p at offset (p + dy, p + dx), without building the padded image.
 */
export function shiftWithZeroFill(
  img: Float32Array,
  offset: number,
  s: ImageShape,
  dy: number,
  dx: number,
  scratch: Float32Array,
): void {
  const { height: h, width: w, channels: c } = s;
  const n = imageSize(s);
  scratch.set(img.subarray(offset, offset + n));
  img.fill(0, offset, offset + n);
  const cols = w - Math.abs(dx);
  for (let r = Math.max(0, -dy); r < Math.min(h, h - dy); r++) {
    const c0 = Math.max(0, -dx);
    const src = ((r + dy) * w + c0 + dx) * c;
    img.set(scratch.subarray(src, src + cols * c), offset + (r * w + c0) * c);
  }
}

/**
 * Rotates content by `degrees` (counter-clockwise as displayed, rows going down) and magnifies it by
 * `zoom` (> 1 zooms in) about the image centre, in one bilinear resample; outside the source is 0.
 */
export function rotateAndZoom(
  img: Float32Array,
  offset: number,
  s: ImageShape,
  degrees: number,
  zoom: number,
  scratch: Float32Array,
): void {
  const { height: h, width: w, channels: c } = s;
  scratch.set(img.subarray(offset, offset + imageSize(s)));
  const theta = (degrees * Math.PI) / 180;
  // Output pixel (y, x) reads source (cy + (sin·dx + cos·dy)/zoom, cx + (cos·dx − sin·dy)/zoom).
  const cos = Math.cos(theta) / zoom;
  const sin = Math.sin(theta) / zoom;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const sy = cy + sin * dx + cos * dy;
      const sx = cx + cos * dx - sin * dy;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      const out = offset + (y * w + x) * c;
      // Corner weights, 0 for corners outside the source (zero fill); their indices are then unused.
      const rowIn0 = y0 >= 0 && y0 < h;
      const rowIn1 = y0 + 1 >= 0 && y0 + 1 < h;
      const colIn0 = x0 >= 0 && x0 < w;
      const colIn1 = x0 + 1 >= 0 && x0 + 1 < w;
      const w00 = rowIn0 && colIn0 ? (1 - fy) * (1 - fx) : 0;
      const w01 = rowIn0 && colIn1 ? (1 - fy) * fx : 0;
      const w10 = rowIn1 && colIn0 ? fy * (1 - fx) : 0;
      const w11 = rowIn1 && colIn1 ? fy * fx : 0;
      const i00 = rowIn0 && colIn0 ? (y0 * w + x0) * c : 0;
      const i01 = rowIn0 && colIn1 ? (y0 * w + x0 + 1) * c : 0;
      const i10 = rowIn1 && colIn0 ? ((y0 + 1) * w + x0) * c : 0;
      const i11 = rowIn1 && colIn1 ? ((y0 + 1) * w + x0 + 1) * c : 0;
      for (let k = 0; k < c; k++) {
        img[out + k] =
          w00 * scratch[i00 + k]! + w01 * scratch[i01 + k]! + w10 * scratch[i10 + k]! + w11 * scratch[i11 + k]!;
      }
    }
  }
}

/** Adds delta to every value (tf.image.adjust_brightness; no clipping, as in tf). */
export function adjustBrightness(img: Float32Array, offset: number, s: ImageShape, delta: number): void {
  const n = imageSize(s);
  for (let i = 0; i < n; i++) img[offset + i] += delta;
}

/** Per channel: (x − mean) · factor + mean, the mean taken over the channel's pixels (tf.image.adjust_contrast). */
export function adjustContrast(img: Float32Array, offset: number, s: ImageShape, factor: number): void {
  const { channels: c } = s;
  const pixels = s.height * s.width;
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let p = 0; p < pixels; p++) sum += img[offset + p * c + k]!;
    const mean = sum / pixels;
    for (let p = 0; p < pixels; p++) {
      const i = offset + p * c + k;
      img[i] = (img[i]! - mean) * factor + mean;
    }
  }
}
