/** Raw interleaved 8-bit pixels as decoders return them (RGB or RGBA). */
export interface RawPixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/**
 * Reduces RGB(A) pixels to `channels` (1 = gray with ITU-R 601 luma, 3 = RGB). Alpha is dropped, not
 * composited, matching what PIL's convert('RGB') does for most training pipelines.
 */
export function toChannels(image: RawPixels, channels: 1 | 3): RawPixels {
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * channels);
  const src = image.data;
  const stride = image.channels;
  for (let p = 0; p < pixels; p++) {
    const s = p * stride;
    if (channels === 1) {
      out[p] = Math.round(0.299 * src[s]! + 0.587 * src[s + 1]! + 0.114 * src[s + 2]!);
    } else {
      out[p * 3] = src[s]!;
      out[p * 3 + 1] = src[s + 1]!;
      out[p * 3 + 2] = src[s + 2]!;
    }
  }
  return { width: image.width, height: image.height, channels, data: out };
}

// Source coordinate sampled by each destination pixel, with half-pixel centers (as PIL and
// tf.image.resize do) so the image does not shift when scaled.
function sampleGrid(srcSize: number, dstSize: number): { low: Int32Array; high: Int32Array; weight: Float32Array } {
  const low = new Int32Array(dstSize);
  const high = new Int32Array(dstSize);
  const weight = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), srcSize - 1);
    low[d] = Math.floor(s);
    high[d] = Math.min(low[d]! + 1, srcSize - 1);
    weight[d] = s - low[d]!;
  }
  return { low, high, weight };
}

/** Bilinearly resizes interleaved pixels into `out` (length height * width * channels). */
export function resizeBilinearInto(image: RawPixels, height: number, width: number, out: Uint8Array): void {
  const c = image.channels;
  const src = image.data;
  if (image.width === width && image.height === height) {
    out.set(src.subarray(0, width * height * c));
    return;
  }
  const rows = sampleGrid(image.height, height);
  const cols = sampleGrid(image.width, width);
  const srcRow = image.width * c;
  for (let y = 0; y < height; y++) {
    const top = rows.low[y]! * srcRow;
    const bottom = rows.high[y]! * srcRow;
    const fy = rows.weight[y]!;
    for (let x = 0; x < width; x++) {
      const left = cols.low[x]! * c;
      const right = cols.high[x]! * c;
      const fx = cols.weight[x]!;
      const o = (y * width + x) * c;
      for (let ch = 0; ch < c; ch++) {
        const upper = src[top + left + ch]! * (1 - fx) + src[top + right + ch]! * fx;
        const lower = src[bottom + left + ch]! * (1 - fx) + src[bottom + right + ch]! * fx;
        out[o + ch] = Math.round(upper * (1 - fy) + lower * fy);
      }
    }
  }
}
