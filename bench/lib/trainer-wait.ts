// How long the seed CNN's training step waits for its next batch: the real pipeline (real MNIST digits,
// shuffle, scale, augmentation, one-hot) feeding the engine's own step on wasm, prefetch 0 vs 2.
import * as tf from '@tensorflow/tfjs';
import {
  createBatchStream,
  epochOrder,
  PrefetchWorker,
  resolvePreprocess,
  SampleStore,
  type AugmentSpec,
  type BatchStreamOptions,
} from '../../src/engine/data/index.ts';
import { resolveHeads } from '../../src/engine/training/heads.ts';
import { localTrainStep } from '../../src/engine/training/train-step.ts';
import type { CompileSpec } from '../../src/domain/run-spec/schema.ts';
import { useBackend } from './backends.ts';
import { readIdxGz } from './idx.ts';
import { MNIST_DIR } from './mnist.ts';
import { compared, type BenchResult } from './results.ts';
import { buildSeedCnn } from './seed-cnn.ts';

const BATCH = 128;
const SAMPLES = Number(process.env.KILN_BENCH_WAIT_SAMPLES ?? 3072);

/** The first `count` real t10k digits as the engine stores them: uint8 [n, 28, 28, 1], int32 labels. */
export function realMnistStore(count: number): SampleStore {
  const images = readIdxGz(`${MNIST_DIR}t10k-images-idx3-ubyte.gz`, 2051);
  const labels = readIdxGz(`${MNIST_DIR}t10k-labels-idx1-ubyte.gz`, 2049);
  return new SampleStore({
    x: { dtype: 'uint8', shape: [count, 28, 28, 1], data: images.data.slice(0, count * 784) },
    y: { dtype: 'int32', shape: [count], data: Int32Array.from(labels.data.subarray(0, count)) },
  });
}

interface EpochTiming {
  samplesPerSec: number;
  /** Mean time from asking for a batch to having it, batches 2.. (the first is built on demand either way). */
  waitMs: number;
  /** Mean time of the training step itself (tensors made, gradients, optimizer). */
  stepMs: number;
  firstWaitMs: number;
}

/** One epoch of the seed CNN fed by a batch stream, timing the waits for batches apart from the steps. */
export async function timedEpoch(opts: BatchStreamOptions): Promise<EpochTiming> {
  const model = buildSeedCnn();
  const optimizer = tf.train.adam(0.001);
  const step = localTrainStep(
    model,
    optimizer,
    resolveHeads(model.outputNames, { loss: 'categoricalCrossentropy' } as CompileSpec),
  );
  const waits: number[] = [];
  const steps: number[] = [];
  let samples = 0;
  const started = performance.now();
  try {
    const batches = createBatchStream(opts);
    for (;;) {
      const asked = performance.now();
      const next = await batches.next();
      if (next.done) break;
      waits.push(performance.now() - asked);
      const batch = next.value;
      const stepStarted = performance.now();
      const x = tf.tensor4d(batch.x, [batch.size, 28, 28, 1]);
      const y = tf.tensor2d(batch.y, [batch.size, 10]);
      const { preds } = await step.run([x], [y], batch.size);
      tf.dispose([x, y, ...preds]);
      steps.push(performance.now() - stepStarted);
      samples += batch.size;
    }
  } finally {
    await step.close();
    optimizer.dispose();
    model.dispose();
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return {
    samplesPerSec: samples / ((performance.now() - started) / 1000),
    waitMs: mean(waits.slice(1)),
    stepMs: mean(steps),
    firstWaitMs: waits[0] ?? 0,
  };
}

/** Trainer wait per batch (ms and as a fraction of the step) and samples/s, without and with prefetch. */
export async function trainerWait(augment: AugmentSpec): Promise<BenchResult[]> {
  await useBackend('wasm');
  const store = realMnistStore(SAMPLES);
  const base: BatchStreamOptions = {
    store,
    batchSize: BATCH,
    order: epochOrder(store.size, true, 5, 0),
    preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
    labels: { kind: 'oneHot', numClasses: 10 },
    augment,
    training: true,
    seed: 5,
    epoch: 0,
  };
  const prefetchWorker = new PrefetchWorker();
  try {
    // Warm-up (kernels, JIT, the worker's start-up), not billed.
    await timedEpoch({ ...base, order: base.order.subarray(0, 2 * BATCH), prefetch: 2, prefetchWorker });
    await timedEpoch({ ...base, order: base.order.subarray(0, 2 * BATCH), prefetch: 0 });
    const sync = await timedEpoch({ ...base, prefetch: 0 });
    const ahead = await timedEpoch({ ...base, prefetch: 2, prefetchWorker });
    const label = `seed CNN on wasm, ${SAMPLES} real digits, batch ${BATCH}, augmented`;
    return [
      { name: `${label}: step time per batch, prefetch 0`, value: sync.stepMs, unit: 'ms' },
      { name: `${label}: trainer wait per batch, prefetch 0`, value: sync.waitMs, unit: 'ms' },
      { name: `${label}: trainer wait / step time, prefetch 0`, value: (sync.waitMs / sync.stepMs) * 100, unit: '%' },
      { name: `${label}: step time per batch, prefetch 2 (worker)`, value: ahead.stepMs, unit: 'ms' },
      compared(`${label}: trainer wait per batch, prefetch 2 (worker)`, ahead.waitMs, 'ms', {
        name: 'prefetch 0',
        value: sync.waitMs,
      }),
      {
        name: `${label}: trainer wait / step time, prefetch 2 (worker)`,
        value: (ahead.waitMs / ahead.stepMs) * 100,
        unit: '%',
      },
      // Not in the means above: an epoch's first batch is built on demand either way.
      { name: `${label}: first batch wait, prefetch 0`, value: sync.firstWaitMs, unit: 'ms' },
      { name: `${label}: first batch wait, prefetch 2 (worker)`, value: ahead.firstWaitMs, unit: 'ms' },
      { name: `${label}: training, prefetch 0`, value: sync.samplesPerSec, unit: 'samples/s' },
      compared(`${label}: training, prefetch 2 (worker)`, ahead.samplesPerSec, 'samples/s', {
        name: 'prefetch 0',
        value: sync.samplesPerSec,
      }),
    ];
  } finally {
    await prefetchWorker.close();
  }
}
