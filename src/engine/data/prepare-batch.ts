import { augmentImage, augmentedImageShape, batchRandom, hasAugmentation, type AugmentSpec } from './augment.ts';
import { imageSize } from './image-ops.ts';
import { encodeLabel, encodedLabelShape, type LabelEncoding } from './labels.ts';
import { applyPreprocess, type Preprocessing } from './preprocess.ts';
import type { SampleStore } from './sample-store.ts';

/** One batch as plain typed arrays (the training loop turns them into tensors). */
export interface HostBatch {
  x: Float32Array;
  /** [size, ...feature shape as stored]. */
  xShape: number[];
  y: Float32Array;
  /** [size, numClasses] for oneHot, [size] for sparse, [size, ...label shape] for raw. */
  yShape: number[];
  /** Samples in this batch: batchSize, or fewer for the last batch of an epoch. */
  size: number;
  /** Position of the batch in its epoch. */
  index: number;
}

/** Everything that decides one epoch's batches; a batch is a pure function of this and its index. */
export interface EpochPlan {
  store: SampleStore;
  batchSize: number;
  /** The epoch's sample order (positions in the store). */
  order: Int32Array;
  preprocess: Preprocessing;
  labels: LabelEncoding;
  /** Augmentation to apply; absent for evaluation streams. */
  augment?: AugmentSpec;
  seed: number;
  epoch: number;
}

/** Number of batches in an epoch, the last one possibly partial (as Keras does). */
export function batchCount(plan: Pick<EpochPlan, 'order' | 'batchSize'>): number {
  return Math.ceil(plan.order.length / plan.batchSize);
}

/** Checks a plan up front so mistakes surface when the stream is created, not in the middle of an epoch. */
export function validatePlan(plan: EpochPlan): void {
  if (!(Number.isInteger(plan.batchSize) && plan.batchSize > 0))
    throw new Error(`batchSize must be a positive integer, got ${plan.batchSize}`);
  if (plan.order.some((p) => p < 0 || p >= plan.store.size))
    throw new Error(`order must hold positions in [0, ${plan.store.size})`);
  encodedLabelShape(plan.labels, plan.store);
  if (hasAugmentation(plan.augment)) augmentedImageShape(plan.augment, plan.store.featureShape);
}

/** Builds batch `index` of the plan's epoch: gather, preprocess, augment (seeded by seed:epoch:index), encode labels. */
export function prepareBatch(plan: EpochPlan, index: number): HostBatch {
  const { store, batchSize, order } = plan;
  const begin = index * batchSize;
  const size = Math.min(batchSize, order.length - begin);
  if (!(size > 0)) throw new Error(`batch ${index} is outside an epoch of ${batchCount(plan)} batches`);
  const d = store.featureSize;
  const labelShape = encodedLabelShape(plan.labels, store);
  const labelWidth = labelShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(size * d);
  const y = new Float32Array(size * labelWidth);
  for (let s = 0; s < size; s++) {
    const i = order[begin + s]!;
    store.copyFeatures(i, x, s * d);
    applyPreprocess(plan.preprocess, x, s * d, d);
    encodeLabel(plan.labels, store, i, y, s * labelWidth);
  }
  if (hasAugmentation(plan.augment)) {
    const shape = augmentedImageShape(plan.augment, store.featureShape);
    const random = batchRandom(plan.seed, plan.epoch, index);
    const scratch = new Float32Array(imageSize(shape));
    for (let s = 0; s < size; s++) augmentImage(x, s * d, shape, plan.augment, random, scratch);
  }
  return { x, xShape: [size, ...store.featureShape], y, yShape: [size, ...labelShape], size, index };
}
