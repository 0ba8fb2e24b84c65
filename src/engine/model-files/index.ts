/** Models as files: imported from Keras and TensorFlow.js files, exported with their preprocessing built in. */
export { importModel, type ImportedModel, type ImportOptions, type ModelFile } from './import.ts';
export { exportModel, EXPORT_FORMATS, type ExportFormat, type ExportedFile } from './export.ts';
export { kerasConfigOf } from './kiln-config.ts';
export { hasPreprocessing, withPreprocessingLayers } from './with-preprocessing.ts';
