/** Reading and writing real Keras model files (.keras, .h5, .weights.h5) for models built by Kiln. */
export { KerasFileError, type KerasFileErrorCode } from './keras-file-error.ts';
export { DEFAULT_LIMITS, type KerasFileLimits } from './limits.ts';
export { readKerasModelFile, type ReadKerasOptions } from './read.ts';
export { matchWeightsToModel, kerasObjectPaths, type LayerObjectPaths } from './object-paths.ts';
export { loadKerasModel, assignWeights, type LoadKerasOptions } from './load.ts';
export type { KerasModelFile, KerasFileFormat, WeightMap, WeightTensor } from './types.ts';
export { writeKerasFile, DEFAULT_KERAS3_VERSION, type WriteKerasOptions } from './write-keras.ts';
export { writeLegacyH5, DEFAULT_KERAS2_VERSION, type WriteLegacyH5Options } from './write-legacy-h5.ts';
export type { ExportPreprocessing, InputPreprocessing } from './preprocessing-layers.ts';
