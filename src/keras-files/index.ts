/** Reading and writing real Keras model files (.keras, .h5, .weights.h5) for models built by Kiln. */
export { KerasFileError, type KerasFileErrorCode } from './keras-file-error.ts';
export { DEFAULT_LIMITS, type KerasFileLimits } from './limits.ts';
export { readKerasModelFile, type ReadKerasOptions } from './read.ts';
export { matchWeightsToModel, kerasObjectPaths, type LayerObjectPaths } from './object-paths.ts';
export { loadKerasModel, assignWeights, type LoadKerasOptions } from './load.ts';
export type { KerasModelFile, KerasFileFormat, WeightMap, WeightTensor } from './types.ts';
