import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { KilnError } from '../../domain/errors.ts';
import { artifactIOHandler } from '../io/artifact-io-handler.ts';

/**
 * Starts a transfer run from its base: every layer of `model` that the base model has (same name, as
 * parse-transfer keeps them) takes the base's weights; new layers keep their initial ones. Returns how
 * many layers were copied.
 */
export async function loadBaseWeights(model: tf.LayersModel, store: ArtifactStore, basePath: string): Promise<number> {
  let base: tf.LayersModel;
  try {
    base = await tf.loadLayersModel(artifactIOHandler(store, basePath));
  } catch (error) {
    throw new KilnError(
      'base_model_unavailable',
      `the base model's files could not be read (was it deleted?): ${(error as Error).message}`,
      {
        issues: [{ path: 'model.base', message: 'its files could not be read' }],
      },
    );
  }
  try {
    const baseLayers = new Map(base.layers.map((l) => [l.name, l]));
    let copied = 0;
    for (const layer of model.layers) {
      const source = baseLayers.get(layer.name);
      if (!source || layer.weights.length === 0) continue;
      layer.setWeights(source.getWeights());
      copied++;
    }
    return copied;
  } finally {
    base.dispose();
  }
}
