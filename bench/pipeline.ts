// Input pipeline throughput: one epoch of 10,000 synthetic MNIST-like images (uint8 28×28×1, batch
// 128), with and without augmentation, built in this thread (prefetch 0) or ahead in a worker
// (prefetch 2). Alone, and under a consumer that is busy per batch as a training step would be:
// there prefetching should hide the augmentation cost. Then the real thing: the seed CNN's training
// step on wasm fed by the pipeline, timing how long it waits for each batch with and without prefetch,
// and fed from a local file by position (arrays past KILN_TRAINING_DATA_MEMORY_MB) against memory.
import {
  createBatchStream,
  epochOrder,
  PrefetchWorker,
  resolvePreprocess,
  SampleStore,
  type AugmentSpec,
  type BatchStreamOptions,
} from '../src/engine/data/index.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { trainerWait } from './lib/trainer-wait.ts';
import { streamedVsMemory } from './lib/streamed-data.ts';

const SAMPLES = 10_000;
const BATCH = 128;
/** Busy time per batch of the simulated training step (the consumer blocks its thread, like a sync kernel). */
const STEP_MS = Number(process.env.KILN_BENCH_STEP_MS ?? 15);
const AUGMENT: AugmentSpec = {
  flipLeftRight: true,
  brightness: 0.1,
  contrast: [0.8, 1.2],
  crop: { padding: 2 },
  rotation: 10,
};

function syntheticMnist(): SampleStore {
  const x = new Uint8Array(SAMPLES * 784);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 24;
  const y = Int32Array.from({ length: SAMPLES }, (_, i) => i % 10);
  return new SampleStore({
    x: { dtype: 'uint8', shape: [SAMPLES, 28, 28, 1], data: x },
    y: { dtype: 'int32', shape: [SAMPLES], data: y },
  });
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Samples per second of one full epoch, with `stepMs` of blocking consumer work per batch. */
async function epochThroughput(opts: BatchStreamOptions, stepMs: number): Promise<number> {
  const started = performance.now();
  let samples = 0;
  for await (const batch of createBatchStream(opts)) {
    samples += batch.size;
    if (stepMs > 0) busyWait(stepMs);
  }
  return samples / ((performance.now() - started) / 1000);
}

/** Best of `runs` epochs: the machine is shared, and the best run is the least disturbed one. */
async function best(runs: number, opts: BatchStreamOptions, stepMs: number): Promise<number> {
  let top = 0;
  for (let r = 0; r < runs; r++) top = Math.max(top, await epochThroughput(opts, stepMs));
  return top;
}

/** Runs the pipeline benchmark: samples/s without and with augmentation, prefetch 0 vs 2; then the seed CNN's wait for input. */
export async function run(): Promise<BenchResult[]> {
  const store = syntheticMnist();
  const base: BatchStreamOptions = {
    store,
    batchSize: BATCH,
    order: epochOrder(SAMPLES, true, 1, 0),
    preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
    labels: { kind: 'oneHot', numClasses: 10 },
    training: true,
    seed: 1,
    epoch: 0,
  };
  // One worker for the whole run, as the training loop keeps one for all epochs; its start-up is
  // reported on its own row rather than billed to an epoch.
  const startedAt = performance.now();
  const prefetchWorker = new PrefetchWorker();
  const results: BenchResult[] = [];
  try {
    const warm = { ...base, augment: AUGMENT, prefetch: 2, worker: true, prefetchWorker };
    for await (const _batch of createBatchStream(warm)) {
      results.push({
        name: 'prefetch worker start-up (to first batch)',
        value: performance.now() - startedAt,
        unit: 'ms',
      });
      break;
    }
    await epochThroughput({ ...base, augment: AUGMENT, prefetch: 0 }, 0); // JIT warm-up, not billed
    const cases = [
      ['no augmentation', undefined],
      ['flip+brightness+contrast+crop+rotation', AUGMENT],
    ] as const;
    for (const stepMs of [0, STEP_MS]) {
      const runs = stepMs === 0 ? 3 : 1;
      const context = stepMs === 0 ? 'pipeline only' : `${stepMs} ms/batch consumer`;
      for (const [label, augment] of cases) {
        const sync = await best(runs, { ...base, augment, prefetch: 0 }, stepMs);
        const ahead = await best(runs, { ...base, augment, prefetch: 2, worker: true, prefetchWorker }, stepMs);
        results.push({ name: `${context}, ${label}, prefetch 0`, value: sync, unit: 'samples/s' });
        results.push(
          compared(`${context}, ${label}, prefetch 2 (worker)`, ahead, 'samples/s', {
            name: 'prefetch 0',
            value: sync,
          }),
        );
      }
    }
  } finally {
    await prefetchWorker.close();
  }
  results.push(...(await trainerWait(AUGMENT)));
  results.push(...(await streamedVsMemory()));
  return results;
}

// Standalone: `node --import tsx bench/pipeline.ts` (bench/main.ts can register `run` as a part).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { printResults } = await import('./lib/results.ts');
  printResults('pipeline', await run());
}
