import * as tf from '@tensorflow/tfjs';
import type { MetricName } from '../../domain/run-spec/schema.ts';

/**
 * A metric that accumulates over an epoch the way Keras' stateful metrics do: means are weighted by
 * batch size, precision and recall count true and false positives over the whole epoch.
 * `update` runs inside the caller's tidy and reads back only scalars.
 */
export interface Metric {
  readonly name: string;
  update(yTrue: tf.Tensor, yPred: tf.Tensor): void;
  result(): number;
  reset(): void;
  /** The accumulator's state, for checkpoints taken in the middle of an epoch. */
  state(): number[];
  restore(state: number[]): void;
}

class MeanMetric implements Metric {
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    private readonly perSample: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  ) {}
  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const values = this.perSample(yTrue, yPred);
    this.sum += tf.sum(values).dataSync()[0]!;
    this.count += values.size;
  }
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  state(): number[] {
    return [this.sum, this.count];
  }
  restore([sum, count]: number[]): void {
    this.sum = sum ?? 0;
    this.count = count ?? 0;
  }
}

/** Keras' Precision/Recall: predictions thresholded at 0.5, counts over every element. */
class ConfusionMetric implements Metric {
  private tp = 0;
  private fp = 0;
  private fn = 0;
  constructor(
    readonly name: string,
    private readonly kind: 'precision' | 'recall',
  ) {}
  update(yTrue: tf.Tensor, yPred: tf.Tensor): void {
    const predicted = tf.cast(tf.greater(yPred, 0.5), 'float32');
    const actual = tf.cast(tf.greater(yTrue, 0.5), 'float32');
    this.tp += tf.sum(tf.mul(predicted, actual)).dataSync()[0]!;
    this.fp += tf.sum(tf.mul(predicted, tf.sub(1, actual))).dataSync()[0]!;
    this.fn += tf.sum(tf.mul(tf.sub(1, predicted), actual)).dataSync()[0]!;
  }
  result(): number {
    const denominator = this.kind === 'precision' ? this.tp + this.fp : this.tp + this.fn;
    return denominator === 0 ? 0 : this.tp / denominator;
  }
  reset(): void {
    this.tp = this.fp = this.fn = 0;
  }
  state(): number[] {
    return [this.tp, this.fp, this.fn];
  }
  restore([tp, fp, fn]: number[]): void {
    this.tp = tp ?? 0;
    this.fp = fp ?? 0;
    this.fn = fn ?? 0;
  }
}

function sparseAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const predicted = tf.argMax(yPred, -1);
  return tf.cast(tf.equal(tf.cast(tf.reshape(yTrue, predicted.shape), 'int32'), predicted), 'float32');
}

/**
 * "accuracy" as Keras resolves it (compile_utils, by the shapes of labels and predictions, whatever
 * the loss): one output unit → binary accuracy (threshold 0.5); labels of lower rank than the
 * predictions, or of one column against several → sparse; otherwise categorical. Resolving by the
 * loss instead made a 1-unit output trained with mse report categorical accuracy, which is 1.0 for
 * any prediction (argmax over one unit).
 */
function keraslikeAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const predLast = yPred.shape[yPred.rank - 1];
  const trueLast = yTrue.shape[yTrue.rank - 1];
  if (predLast === 1) return tf.metrics.binaryAccuracy(yTrue, yPred);
  if (yTrue.rank < yPred.rank || (trueLast === 1 && predLast! > 1)) return sparseAccuracy(yTrue, yPred);
  return tf.metrics.categoricalAccuracy(yTrue, yPred);
}

/** Builds a fresh accumulator for a metric name; `displayName` is the key it reports under. */
export function createMetric(name: MetricName, displayName: string): Metric {
  switch (name) {
    case 'accuracy':
      return new MeanMetric(displayName, keraslikeAccuracy);
    case 'categoricalAccuracy':
      return new MeanMetric(displayName, (t, p) => tf.metrics.categoricalAccuracy(t, p));
    case 'sparseCategoricalAccuracy':
      return new MeanMetric(displayName, sparseAccuracy);
    case 'binaryAccuracy':
      return new MeanMetric(displayName, (t, p) => tf.metrics.binaryAccuracy(t, p));
    case 'mse':
      return new MeanMetric(displayName, (t, p) => tf.metrics.meanSquaredError(t, p));
    case 'mae':
      return new MeanMetric(displayName, (t, p) => tf.metrics.meanAbsoluteError(t, p));
    case 'precision':
    case 'recall':
      return new ConfusionMetric(displayName, name);
  }
}

/** A running mean of an already-reduced scalar (the loss), weighted by batch size. */
export class RunningMean {
  private sum = 0;
  private count = 0;
  add(value: number, weight: number): void {
    this.sum += value * weight;
    this.count += weight;
  }
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
  state(): number[] {
    return [this.sum, this.count];
  }
  restore([sum, count]: number[]): void {
    this.sum = sum ?? 0;
    this.count = count ?? 0;
  }
}
