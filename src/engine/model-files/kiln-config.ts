import type * as tf from '@tensorflow/tfjs';
import { exportGraph } from '../keras-files/export-graph.ts';
import { keras3ModelConfig } from '../keras-files/keras-config.ts';
import { DEFAULT_KERAS3_VERSION } from '../keras-files/write-keras.ts';
import type { ExportPreprocessing } from '../keras-files/preprocessing-layers.ts';

/**
 * A loaded model's architecture as Keras 3 JSON, the form Kiln's model builder reads (`{type: 'keras',
 * config}`): Kiln's own layer classes (KilnReLU…) under their Keras names, and preprocessing layers in
 * front of the inputs when given. What lets a stored model be rebuilt, extended or exported.
 */
export function kerasConfigOf(model: tf.LayersModel, preprocessing?: ExportPreprocessing): Record<string, unknown> {
  return keras3ModelConfig(exportGraph(model, preprocessing), DEFAULT_KERAS3_VERSION);
}
