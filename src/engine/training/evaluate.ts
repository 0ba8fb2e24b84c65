import * as tf from '@tensorflow/tfjs';
import type { OutputHead } from './heads.ts';
import { evaluateData } from './batch-trainer.ts';
import type { BatchSource } from './batch-source.ts';
import type { Logs } from './callback.ts';

export interface Evaluation {
  metrics: Logs;
  samples: number;
  /** For classifiers: rows are true classes, columns predicted classes. */
  confusion?: number[][];
  perClass?: Array<{ class: number; precision: number; recall: number; support: number }>;
}

const CLASSIFICATION_LOSSES = new Set([
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
]);

/** Class indices of labels and predictions of one classifier head (one-hot, sparse or binary). */
function classesOf(head: OutputHead, yTrue: tf.Tensor, yPred: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  const units = yPred.shape[yPred.shape.length - 1]!;
  if (units === 1) {
    // A sigmoid's 0.5 is its logit's 0 (BinaryCrossentropy(from_logits=True) trains a linear output).
    const threshold = head.lossOptions.fromLogits ? 0 : 0.5;
    return [
      tf.cast(tf.greater(tf.reshape(yTrue, [-1]), 0.5), 'int32') as tf.Tensor1D,
      tf.cast(tf.greater(tf.reshape(yPred, [-1]), threshold), 'int32') as tf.Tensor1D,
    ];
  }
  const truth =
    head.lossName === 'sparseCategoricalCrossentropy'
      ? tf.cast(tf.reshape(yTrue, [-1]), 'int32')
      : tf.argMax(yTrue, -1);
  return [truth as tf.Tensor1D, tf.argMax(yPred, -1) as tf.Tensor1D];
}

/**
 * Keras' evaluate on held-out data (loss and every compiled metric), plus, for a single-output
 * classifier, the confusion matrix and per-class precision and recall.
 */
export async function evaluateModel(
  model: tf.LayersModel,
  heads: OutputHead[],
  data: BatchSource,
  batchSize: number,
): Promise<Evaluation> {
  const metrics = await evaluateData(model, heads, data, batchSize);
  const head = heads[0]!;
  if (heads.length !== 1 || !CLASSIFICATION_LOSSES.has(head.lossName)) return { metrics, samples: data.size };
  const units = model.outputs[0]!.shape.at(-1)!;
  const classes = units === 1 ? 2 : units;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for await (const { xs, ys } of data.batches({ epoch: 0, startBatch: 0, batchSize, shuffle: false, seed: 0 })) {
    const [truth, predicted] = tf.tidy(() => {
      const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
      const [t, p] = classesOf(head, ys[0]!, out);
      return [t.dataSync(), p.dataSync()];
    });
    tf.dispose([...xs, ...ys]);
    truth.forEach((t, i) => (confusion[t]![predicted[i]!]! += 1));
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((sum, r) => sum + r[c]!, 0);
    return { class: c, precision: predictedAs ? tp / predictedAs : 0, recall: support ? tp / support : 0, support };
  });
  return { metrics, samples: data.size, confusion, perClass };
}
