import * as tf from '@tensorflow/tfjs';

/**
 * Keras' class_weight as one weight per sample, looked up by each row's label (argmax for one-hot
 * labels). Row-wise, so a batch split into shards gets the same weights as the whole batch.
 */
export function sampleWeights(y: tf.Tensor, classWeight: Record<string, number>): tf.Tensor {
  const labels = y.rank > 1 && y.shape[y.rank - 1]! > 1 ? tf.argMax(y, -1) : tf.cast(tf.reshape(y, [-1]), 'int32');
  const maxClass = Math.max(...Object.keys(classWeight).map(Number));
  const table = new Float32Array(maxClass + 1).fill(1);
  for (const [k, w] of Object.entries(classWeight)) table[Number(k)] = w;
  return tf.gather(tf.tensor1d(table), tf.clipByValue(labels, 0, maxClass));
}
