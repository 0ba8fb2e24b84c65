/** How the dataset page shows a dataset of named arrays: each array's kind, and its samples' values. */

export interface ArrayInfo {
  dtype: string;
  /** One sample's shape. */
  shape: number[];
  range: { min: number; max: number; integers: boolean } | null;
}

/** One array's part of a sample, as GET /datasets/:id/samples gives it. */
export interface ArraySample {
  image?: string;
  values?: number | number[];
}

export type ArrayKind = 'image' | 'tokens' | 'numbers';

/**
 * An image: h×w×1 or h×w×3 (any dtype; the api sends uint8 ones as PNGs, float ones as values), or a
 * uint8 h×w. Token ids: an integer sequence (one axis, more than one value) with a known integer range,
 * what an Embedding takes. Anything else is shown as its numbers.
 */
export function arrayKind({ dtype, shape, range }: ArrayInfo): ArrayKind {
  if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) return 'image';
  if (shape.length === 2 && dtype === 'uint8') return 'image';
  if (shape.length === 1 && shape[0]! > 1 && dtype !== 'float32' && range?.integers) return 'tokens';
  return 'numbers';
}

/** Samples the page shows of an image array; other arrays show the first rows of as many. */
export const IMAGES_SHOWN = 24;

/**
 * How many samples to ask the api for. It sends anything but uint8 images as numbers in JSON, so a
 * dataset with large float samples (a 224×224×3 float image is ~1.5 MB of JSON each) is read 8 at a time.
 */
export function samplesToRead(arrays: Record<string, ArrayInfo>): number {
  const large = Object.values(arrays).some((a) => a.dtype !== 'uint8' && a.shape.reduce((n, d) => n * d, 1) > 64 * 64);
  return large ? 8 : IMAGES_SHOWN;
}

/**
 * A float image's values as RGBA pixels, stretched from the sample's own min..max to 0..255 (images are
 * scaled to 0..1, -1..1 or standardised; any of them shows). Gray (one channel) is repeated.
 */
export function imagePixels(values: number[], shape: number[]): Uint8ClampedArray<ArrayBuffer> {
  const [h, w, c = 1] = shape as [number, number, number?];
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const rgba = new Uint8ClampedArray(h * w * 4);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) rgba[i * 4 + k] = (values[i * c + (c === 1 ? 0 : k)]! - min) * scale;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** A number as the page shows a value: integers whole, others to 4 significant digits. */
export const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());

/** A sample's values on one line, the first `limit` of them and how many there are. */
export function valuesText(values: number | number[] | undefined, limit = 16): string {
  if (values === undefined) return '—';
  if (typeof values === 'number') return formatValue(values);
  const shown = values.slice(0, limit).map(formatValue).join(', ');
  return values.length > limit ? `[${shown}, … ${values.length} values]` : `[${shown}]`;
}

/** A value range as min..max, integers or not. */
export const rangeText = (range: ArrayInfo['range']) =>
  range ? `${formatValue(range.min)} … ${formatValue(range.max)}${range.integers ? ' (integers)' : ''}` : '—';

/** A sample shape: 28×28×1, or "scalar" for one value per sample. */
export const sampleShapeText = (shape: number[]) => (shape.length ? shape.join('×') : 'scalar');
