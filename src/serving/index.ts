/** Model serving: registry references, input decoding, the model cache, micro-batching and response formats. */
export { ServingService, type ServingOptions, type PredictResult } from './serving-service.ts';
export { servingErrors } from './errors.ts';
export {
  isStoredVersion,
  MAX_VERSION,
  parseModelRef,
  parseVersion,
  toServedRecord,
  type ModelRef,
} from './model-refs.ts';
export { formatPredictions } from './format-predictions.ts';
export type { PredictBody } from './decode-inputs.ts';
export { parseTfServingRequest, formatTfServingResponse, versionStatusBody, metadataBody } from './tf-serving.ts';
export type * from './types.ts';
