// Shared helpers for the wasm-vs-cpu parity tests: seeded data and one comparison rule.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { registerWasmTrainingKernels } from '../../../../src/engine/backends/wasm/index.ts';

/** Tolerance on max|wasm - cpu| / max|cpu| for every compared tensor. */
export const RELATIVE_TOLERANCE = 1e-4;

/** Makes wasm and cpu both usable in this process, with Kiln's wasm training kernels. */
export async function setUpBackends(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
}

export type Rng = () => number;

/** A reproducible random source; the seed is printed with every failing case. */
export function makeRng(seed: string): Rng {
  return seedrandom(seed);
}

/** Picks one element of `options` uniformly. */
export function pick<T>(rng: Rng, options: readonly T[]): T {
  return options[Math.floor(rng() * options.length)];
}

/** Integer in [lo, hi]. */
export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Standard-normal-ish float32 values of the given shape. */
export function randomValues(rng: Rng, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = (rng() + rng() + rng() - 1.5) * 2;
  return values;
}

/** Runs `compute` on one backend and returns its outputs as plain arrays. */
export async function runOn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(compute);
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  return values;
}

/** Largest |actual - expected| relative to the largest |expected|. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  if (Number.isNaN(maxDiff)) return Infinity;
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/**
 * Runs `reference` on cpu and `candidate` (by default the same computation) on wasm and returns
 * a description of every output that disagrees beyond RELATIVE_TOLERANCE (empty when they match).
 */
export async function compareBackends(
  label: string,
  reference: () => tf.Tensor[],
  candidate: () => tf.Tensor[] = reference,
): Promise<string[]> {
  const expected = await runOn('cpu', reference);
  const actual = await runOn('wasm', candidate);
  const failures: string[] = [];
  expected.forEach((ref, i) => {
    if (actual[i].length !== ref.length) {
      failures.push(`${label} output ${i}: size ${actual[i].length} != ${ref.length}`);
      return;
    }
    const error = relativeError(actual[i], ref);
    if (!(error <= RELATIVE_TOLERANCE)) failures.push(`${label} output ${i}: relative error ${error.toExponential(2)}`);
  });
  return failures;
}
