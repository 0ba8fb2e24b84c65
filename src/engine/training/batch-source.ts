import * as tf from '@tensorflow/tfjs';
import {
  createBatchStream,
  epochOrder,
  type AugmentSpec,
  type LabelEncoding,
  type Preprocessing,
  type PrefetchWorker,
  type SampleStore,
} from '../data/index.ts';
import { gatherBatch, type TensorData } from './tensor-data.ts';

/** One batch as the loop trains on it: a tensor per model input and output. The loop disposes them. */
export interface TensorBatch {
  xs: tf.Tensor[];
  ys: tf.Tensor[];
  size: number;
  /** Keras' sample_weight: one weight per row ([size]), scaling each row's loss. */
  sampleWeight?: tf.Tensor;
}

export interface EpochRequest {
  epoch: number;
  startBatch: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
}

/**
 * Where a split's batches come from. Each epoch's batches are a pure function of (seed, epoch,
 * batch index), so a run resumed mid-epoch sees exactly the batches it would have seen.
 */
export interface BatchSource {
  readonly size: number;
  batches(request: EpochRequest): AsyncIterable<TensorBatch>;
  dispose(): void;
}

/** Batches sliced from whole tensors (inline datasets, held in memory as tensors). */
export function tensorDataSource(data: TensorData): BatchSource {
  return {
    size: data.size,
    async *batches({ epoch, startBatch, batchSize, shuffle, seed }) {
      const order = epochOrder(data.size, shuffle, seed, epoch);
      for (let start = startBatch * batchSize; start < data.size; start += batchSize) {
        const indices = order.subarray(start, Math.min(start + batchSize, data.size));
        const { xs, ys } = tf.tidy(() => gatherBatch(data, indices));
        yield { xs, ys, size: indices.length };
      }
    },
    dispose() {
      tf.dispose([...data.xs, ...data.ys]);
    },
  };
}

export interface StreamSourceOptions {
  store: SampleStore;
  /** The model input's shape (without the batch axis): stored samples are reshaped to it. */
  inputShape: number[];
  preprocess?: Preprocessing;
  labels: LabelEncoding;
  /** Augmentation, for training batches only. */
  augment?: AugmentSpec;
  training: boolean;
  /** One prefetch thread per run, shared by every epoch. */
  prefetchWorker?: PrefetchWorker;
}

/** Batches streamed from a registered dataset through the input pipeline (shuffle, preprocess, augment, prefetch). */
export function streamSource(opts: StreamSourceOptions): BatchSource {
  return {
    size: opts.store.size,
    async *batches({ epoch, startBatch, batchSize, shuffle, seed }) {
      const stream = createBatchStream({
        store: opts.store,
        batchSize,
        order: epochOrder(opts.store.size, shuffle, seed, epoch),
        startBatch,
        preprocess: opts.preprocess,
        labels: opts.labels,
        augment: opts.augment,
        training: opts.training,
        seed,
        epoch,
        prefetchWorker: opts.prefetchWorker,
      });
      for await (const batch of stream) {
        yield {
          xs: [tf.tensor(batch.x, [batch.size, ...opts.inputShape], 'float32')],
          ys: [tf.tensor(batch.y, batch.yShape, 'float32')],
          size: batch.size,
        };
      }
    },
    dispose() {},
  };
}
