import * as tf from '@tensorflow/tfjs';
import { EXPORT_FORMATS, type ExportFormat } from '../../domain/model.ts';
import { writeKerasFile, writeLegacyH5, type ExportPreprocessing } from '../keras-files/index.ts';
import { hasPreprocessing, withPreprocessingLayers } from './with-preprocessing.ts';

export { EXPORT_FORMATS, type ExportFormat };

/** A file of an exported model. */
export interface ExportedFile {
  name: string;
  data: Uint8Array;
}

/**
 * A model as files another tool reads, its input preprocessing built in as layers, so each computes on
 * raw inputs (rows as the dataset holds them) what Kiln's predict does:
 * - `keras`: one `.keras` file as Keras 3 writes it;
 * - `h5`: one legacy `.h5` file as Keras 2 writes it;
 * - `tfjs`: TensorFlow.js' `model.json` and `weights.bin`.
 */
export async function exportModel(
  model: tf.LayersModel,
  format: ExportFormat,
  opts: { baseName: string; preprocessing?: ExportPreprocessing | null },
): Promise<ExportedFile[]> {
  const preprocessing = hasPreprocessing(opts.preprocessing) ? opts.preprocessing : undefined;
  if (format === 'keras') return [{ name: `${opts.baseName}.keras`, data: writeKerasFile(model, { preprocessing }) }];
  if (format === 'h5') return [{ name: `${opts.baseName}.h5`, data: writeLegacyH5(model, { preprocessing }) }];
  const saved = preprocessing ? withPreprocessingLayers(model, preprocessing) : model;
  try {
    return await tfjsFiles(saved);
  } finally {
    if (saved !== model) saved.dispose();
  }
}

/** model.json (weights manifest naming weights.bin) and weights.bin, as tf.loadLayersModel reads them. */
async function tfjsFiles(model: tf.LayersModel): Promise<ExportedFile[]> {
  let files: ExportedFile[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array();
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      files = [
        { name: 'model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
        { name: 'weights.bin', data: weights },
      ];
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}
