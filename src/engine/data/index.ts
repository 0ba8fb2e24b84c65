// The streaming input pipeline of the training engine (what tf.data gives a Keras script).
export { augmentImage, augmentedImageShape, batchRandom, hasAugmentation, type AugmentSpec } from './augment.ts';
export { createBatchStream, usesWorker, type BatchStreamOptions } from './batch-stream.ts';
export { epochOrder } from './epoch-order.ts';
export type { ImageShape } from './image-ops.ts';
export { livePrefetchWorkers, PrefetchWorker } from './prefetch-thread.ts';
export { encodeLabel, encodedLabelShape, type LabelEncoding } from './labels.ts';
export { batchCount, prepareBatch, type EpochPlan, type HostBatch } from './prepare-batch.ts';
export {
  applyPreprocess,
  featureStatistics,
  resolvePreprocess,
  type PreprocessSpec,
  type Preprocessing,
} from './preprocess.ts';
export { SampleStore, type SampleSource } from './sample-store.ts';
export { ArrayRows } from './array-rows.ts';
