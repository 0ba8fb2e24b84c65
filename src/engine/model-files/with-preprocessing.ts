import type * as tf from '@tensorflow/tfjs';
import { assignWeights } from '../keras-files/load.ts';
import type { ExportPreprocessing } from '../keras-files/preprocessing-layers.ts';
import type { WeightMap } from '../keras-files/types.ts';
import { buildModel } from '../model/index.ts';
import { kerasConfigOf } from './kiln-config.ts';

/** Whether a preprocessing record asks for anything (a scale, an offset, statistics). */
export function hasPreprocessing(p: ExportPreprocessing | null | undefined): p is ExportPreprocessing {
  if (!p) return false;
  const asks = (x: ExportPreprocessing) => x.scale !== undefined || x.offset !== undefined || x.mean !== undefined;
  return asks(p) || Object.values(p.inputs ?? {}).some(asks);
}

/**
 * The same model with its input preprocessing built in as layers (Rescaling, Normalization after each
 * float input), so it computes on raw inputs what Kiln's predict computes: what a downloaded model must
 * do. Weights are copied by layer name; the caller disposes the new model.
 */
export function withPreprocessingLayers(model: tf.LayersModel, preprocessing: ExportPreprocessing): tf.LayersModel {
  const config = kerasConfigOf(model, preprocessing);
  const rebuilt = buildModel({ type: 'keras', config }, { seed: 0 });
  const weights: WeightMap = new Map(
    model.layers.map((layer) => [
      layer.name,
      layer.getWeights().map((w, i) => ({
        name: layer.weights[i]!.originalName,
        shape: w.shape,
        data: w.dataSync() as Float32Array,
      })),
    ]),
  );
  try {
    assignWeights(rebuilt, weights);
  } catch (error) {
    rebuilt.dispose();
    throw error;
  }
  return rebuilt;
}
