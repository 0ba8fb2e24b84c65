/** Kiln model specs: validate a JSON model spec, summarize it like Keras, build it as a tfjs model. */
import { analyzeSpec, DEFAULT_MAX_PARAMS } from './analyze.ts';
import type { ValidationResult } from './types.ts';

export { buildModel, type BuildOptions } from './build.ts';
export { formatSummary } from './format-summary.ts';
export { modelSpecError } from './spec-error.ts';
export { LAYER_TYPES } from './layers/index.ts';
export { KerasReLU, SpatialDropout2D } from './custom-layers.ts';
export { DEFAULT_MAX_PARAMS };
export type * from './types.ts';

/** Checks a model spec (sequential, functional or Keras JSON) and returns its Keras-style summary or every problem found. */
export function validateModelSpec(spec: unknown, opts: { maxParams?: number } = {}): ValidationResult {
  const { issues, summary } = analyzeSpec(spec, opts.maxParams ?? DEFAULT_MAX_PARAMS);
  return summary ? { ok: true, summary } : { ok: false, errors: issues };
}
