import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';

const WEIGHTS_FILE = 'weights.bin';

/**
 * Saves and loads models in the TensorFlow.js layers format (model.json + one weights file) under a
 * prefix of the artifact store, so that `tf.loadLayersModel` and `tensorflowjs_converter` read what
 * Kiln writes. tfjs-node's file:// handler is not always installed; this one works everywhere.
 */
export function artifactIOHandler(store: ArtifactStore, prefix: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array();
      // Weights first, model.json last: a reader that finds model.json finds its weights too.
      await store.put(`${prefix}/${WEIGHTS_FILE}`, weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await store.put(`${prefix}/model.json`, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse((await store.get(`${prefix}/model.json`)).toString('utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest.flatMap((group) => group.paths.map((p) => store.get(`${prefix}/${p}`))),
        );
        const joined = Buffer.concat(buffers);
        return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer];
      });
    },
  };
}
