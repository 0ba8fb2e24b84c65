import seedrandom from 'seedrandom';
import {
  adjustBrightness,
  adjustContrast,
  flipLeftRight,
  flipUpDown,
  rotateAndZoom,
  shiftWithZeroFill,
  type ImageShape,
} from './image-ops.ts';

/**
 * Random augmentations of training images, each optional. Values are in preprocessed units
 * (augmentation runs after scale/standardize, like a Keras model's preprocessing layers).
 */
export interface AugmentSpec {
  /** Mirror horizontally with probability 1/2. */
  flipLeftRight?: boolean;
  /** Mirror vertically with probability 1/2. */
  flipUpDown?: boolean;
  /** Add one delta ~ U(−maxDelta, maxDelta) to the whole image (tf.image.random_brightness). */
  brightness?: number;
  /** Per channel (x − mean)·f + mean with f ~ U(lower, upper) (tf.image.random_contrast). */
  contrast?: [number, number];
  /** Zero-pad by `padding` on every side, then crop a random h×w window: content shifts by ≤ padding. */
  crop?: { padding: number };
  /** Rotate about the centre by U(−maxDegrees, maxDegrees) degrees, zero fill. */
  rotation?: number;
  /** Magnify about the centre by 1 + U(−maxFraction, maxFraction), zero fill. */
  zoom?: number;
}

/** Whether a spec asks for any augmentation at all. */
export function hasAugmentation(spec: AugmentSpec | undefined): spec is AugmentSpec {
  if (!spec) return false;
  return Boolean(
    spec.flipLeftRight ||
    spec.flipUpDown ||
    spec.brightness ||
    spec.contrast ||
    spec.crop?.padding ||
    spec.rotation ||
    spec.zoom,
  );
}

/**
 * The image shape a spec will act on, from one sample's feature shape ([h, w] or [h, w, c]); throws
 * for features that are not images or for out-of-range settings, before any batch is built.
 */
export function augmentedImageShape(spec: AugmentSpec, featureShape: number[]): ImageShape {
  if (featureShape.length !== 2 && featureShape.length !== 3) {
    throw new Error(`augmentation needs image samples of shape [h, w] or [h, w, c], got [${featureShape}]`);
  }
  const [height, width, channels = 1] = featureShape as [number, number, number?];
  const fail = (what: string): never => {
    throw new Error(`augment.${what}`);
  };
  if (spec.brightness !== undefined && !(spec.brightness >= 0)) fail(`brightness must be ≥ 0, got ${spec.brightness}`);
  if (spec.contrast && !(spec.contrast[0] >= 0 && spec.contrast[1] >= spec.contrast[0])) {
    fail(`contrast must be [lower, upper] with 0 ≤ lower ≤ upper, got [${spec.contrast}]`);
  }
  if (spec.crop && !(Number.isInteger(spec.crop.padding) && spec.crop.padding >= 0)) {
    fail(`crop.padding must be a non-negative integer, got ${spec.crop.padding}`);
  }
  if (spec.rotation !== undefined && !(spec.rotation >= 0)) fail(`rotation must be ≥ 0 degrees, got ${spec.rotation}`);
  if (spec.zoom !== undefined && !(spec.zoom >= 0 && spec.zoom < 1)) fail(`zoom must be in [0, 1), got ${spec.zoom}`);
  return { height, width, channels };
}

/** The random source of one batch: depends only on (seed, epoch, batch), never on earlier draws. */
export function batchRandom(seed: number, epoch: number, batch: number): () => number {
  return seedrandom(`${seed}:${epoch}:${batch}`);
}

/** U(-max, max). */
function symmetric(random: () => number, max: number): number {
  return (2 * random() - 1) * max;
}

/**
 * Augments one image in place, drawing its parameters from `random` in a fixed order. `scratch` must
 * hold at least one image; it is reused across samples.
 */
export function augmentImage(
  img: Float32Array,
  offset: number,
  shape: ImageShape,
  spec: AugmentSpec,
  random: () => number,
  scratch: Float32Array,
): void {
  if (spec.flipLeftRight && random() < 0.5) flipLeftRight(img, offset, shape);
  if (spec.flipUpDown && random() < 0.5) flipUpDown(img, offset, shape);
  const padding = spec.crop?.padding ?? 0;
  if (padding > 0) {
    // Window offsets 0..2p in the padded image are content shifts of −p..p.
    const dy = Math.floor(random() * (2 * padding + 1)) - padding;
    const dx = Math.floor(random() * (2 * padding + 1)) - padding;
    shiftWithZeroFill(img, offset, shape, dy, dx, scratch);
  }
  if (spec.rotation || spec.zoom) {
    const degrees = spec.rotation ? symmetric(random, spec.rotation) : 0;
    const zoom = spec.zoom ? 1 + symmetric(random, spec.zoom) : 1;
    rotateAndZoom(img, offset, shape, degrees, zoom, scratch);
  }
  if (spec.brightness) adjustBrightness(img, offset, shape, symmetric(random, spec.brightness));
  if (spec.contrast) {
    const [lower, upper] = spec.contrast;
    adjustContrast(img, offset, shape, lower + random() * (upper - lower));
  }
}
