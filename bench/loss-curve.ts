// Opt-in: loss of the first 20 batches on wasm vs cpu from identical weights and dropout masks.
// cpu trains ~2 samples/s, so this part uses batch 16 (20 batches: ~3 min on cpu).
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { useBackend, type BackendName } from './lib/backends.ts';
import { trainBatch } from './lib/batches.ts';
import { loadMnistTest, type MnistSet } from './lib/mnist.ts';
import { compared, type BenchResult } from './lib/results.ts';
import { buildSeedCnn } from './lib/seed-cnn.ts';

const BATCH = 16;
const BATCHES = 20;

/**
 * Dropout draws its mask with tfjs-core's JS random generator seeded from Math.random, on every
 * backend; seeding Math.random for the run gives both backends the same masks.
 */
async function withSeededMathRandom<T>(seed: string, run: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seedrandom(seed);
  try {
    return await run();
  } finally {
    Math.random = original;
  }
}

async function lossCurve(backend: BackendName, data: MnistSet, weights: Float32Array[]): Promise<number[]> {
  await useBackend(backend);
  const model = buildSeedCnn();
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const losses = await withSeededMathRandom('loss-curve', async () => {
    const out: number[] = [];
    for (let b = 0; b < BATCHES; b++) out.push(await trainBatch(model, data, b * BATCH, BATCH));
    return out;
  });
  model.dispose();
  return losses;
}

/** Trains 20 batches on each backend from the same start and reports both loss curves. */
export async function runLossCurve(): Promise<BenchResult[]> {
  const data = loadMnistTest(BATCH * BATCHES);
  await useBackend('wasm');
  const initial = buildSeedCnn();
  const weights = initial.getWeights().map((w) => w.dataSync() as Float32Array);
  initial.dispose();
  const wasm = await lossCurve('wasm', data, weights);
  const cpu = await lossCurve('cpu', data, weights);
  await tf.setBackend('wasm');
  const results = wasm.map((loss, i) =>
    compared(`batch ${i + 1} loss (batch size ${BATCH})`, loss, 'loss', { name: 'cpu', value: cpu[i] }),
  );
  const worst = Math.max(...wasm.map((loss, i) => Math.abs(loss - cpu[i]) / Math.abs(cpu[i])));
  return [...results, { name: 'max relative loss difference wasm vs cpu', value: worst, unit: '' }];
}
