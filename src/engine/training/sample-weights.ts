import * as tf from '@tensorflow/tfjs';

/**
 * Keras' class_weight as one weight per sample, looked up by each row's label (argmax for one-hot
 * labels; a one-column label rounded, as Keras does); labels with no weight get 1. Row-wise, so a
 * batch split into shards gets the same weights as the whole batch.
 *
 * The api accepts only integer keys below the output's class count, but this does not rely on it:
 * rather than a table indexed by class (sized by the largest key, so that a key of 1e9 would allocate
 * 4 GB every batch), each label is compared with the keys themselves, [batch × keys] at most. Keys
 * that are not int32 class indices cannot equal any label and are left out.
 */
export function sampleWeights(y: tf.Tensor, classWeight: Record<string, number>): tf.Tensor {
  const byClass = new Map<number, number>();
  for (const [key, weight] of Object.entries(classWeight)) {
    const k = Number(key);
    if (/^\d+$/.test(key) && k <= 2 ** 31 - 1) byClass.set(k, weight);
  }
  return tf.tidy(() => {
    const labels =
      y.rank > 1 && y.shape[y.rank - 1]! > 1 ? tf.argMax(y, -1) : tf.cast(tf.round(tf.reshape(y, [-1])), 'int32');
    if (byClass.size === 0) return tf.cast(tf.onesLike(labels), 'float32');
    const keys = tf.tensor2d([...byClass.keys()], [1, byClass.size], 'int32');
    const weights = tf.tensor2d([...byClass.values()], [1, byClass.size], 'float32');
    // [batch, keys]: 1 where the row's label is that key (at most one per row: keys are distinct).
    const match = tf.cast(tf.equal(tf.expandDims(labels, -1), keys), 'float32');
    const weighted = tf.sum(tf.mul(match, weights), -1);
    return tf.where(tf.greater(tf.sum(match, -1), 0), weighted, tf.onesLike(weighted));
  });
}
