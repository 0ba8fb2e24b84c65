import type { SampleStore } from './sample-store.ts';

/** What the user asks for: x * scale (e.g. 1/255), per-feature standardization, or nothing. */
export type PreprocessSpec = { scale: number } | { standardize: true } | undefined;

/**
 * A preprocessing step with everything it needs resolved (standardization statistics included), as
 * plain data so it can be posted to the prefetch worker.
 */
export type Preprocessing =
  { kind: 'none' } | { kind: 'scale'; scale: number } | { kind: 'standardize'; mean: Float32Array; std: Float32Array };

/**
 * Per-feature mean and population std over every sample of a store, in float64 and two passes (mean,
 * then squared deviations) so large offsets do not cancel. A constant feature gets std 1, so it
 * maps to 0 rather than to NaN.
 */
export function featureStatistics(store: SampleStore): { mean: Float32Array; std: Float32Array } {
  const d = store.featureSize;
  const row = new Float32Array(d);
  const sum = new Float64Array(d);
  for (let i = 0; i < store.size; i++) {
    store.copyFeatures(i, row, 0);
    for (let k = 0; k < d; k++) sum[k] += row[k]!;
  }
  const mean = sum.map((s) => s / Math.max(store.size, 1));
  const squares = new Float64Array(d);
  for (let i = 0; i < store.size; i++) {
    store.copyFeatures(i, row, 0);
    for (let k = 0; k < d; k++) squares[k] += (row[k]! - mean[k]!) ** 2;
  }
  const std = squares.map((s) => Math.sqrt(s / Math.max(store.size, 1)) || 1);
  return { mean: Float32Array.from(mean), std: Float32Array.from(std) };
}

/** Resolves a spec against the TRAIN store: standardization statistics come from it, for every split. */
export function resolvePreprocess(spec: PreprocessSpec, train: SampleStore): Preprocessing {
  if (spec === undefined) return { kind: 'none' };
  if ('scale' in spec) {
    if (!Number.isFinite(spec.scale)) throw new Error(`preprocess scale must be a finite number, got ${spec.scale}`);
    return { kind: 'scale', scale: spec.scale };
  }
  return { kind: 'standardize', ...featureStatistics(train) };
}

/** Applies preprocessing in place to one sample's features at out[offset .. offset + featureSize). */
export function applyPreprocess(p: Preprocessing, out: Float32Array, offset: number, featureSize: number): void {
  if (p.kind === 'scale') {
    for (let k = 0; k < featureSize; k++) out[offset + k] *= p.scale;
  } else if (p.kind === 'standardize') {
    if (p.mean.length !== featureSize) {
      throw new Error(`standardization was computed for ${p.mean.length} features, this split has ${featureSize}`);
    }
    for (let k = 0; k < featureSize; k++) out[offset + k] = (out[offset + k]! - p.mean[k]!) / p.std[k]!;
  }
}
