import { KilnError } from '../../domain/errors.ts';
import * as tf from '@tensorflow/tfjs';
import {
  isLossObject,
  LOSS_CLASSES,
  type CompileSpec,
  type LossName,
  type LossSpec,
  type MetricName,
} from '../../domain/run-spec/schema.ts';
import { lossFunction, type LossFn, type LossOptions } from './losses.ts';
import { createMetric, type Metric } from './metrics.ts';

/** One model output with what compile attached to it: its loss, loss weight and metrics. */
export interface OutputHead {
  name: string;
  lossName: LossName;
  /** A loss object's arguments (from_logits, label_smoothing, delta); {} for a loss given by name. */
  lossOptions: LossOptions;
  loss: LossFn;
  weight: number;
  metricNames: MetricName[];
}

/** A compile setting given once for all outputs, or per output name. */
function perOutput<T>(value: unknown, output: string): T | undefined {
  if (value === undefined) return undefined;
  if (isPerOutput(value)) return (value as Record<string, T>)[output];
  return value as T;
}

/** A map by output name (a loss object, although an object too, is one setting for all outputs). */
export const isPerOutput = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isLossObject(value);

/** A loss as given (a name or a Keras loss object) → Kiln's loss name and the object's arguments. */
export function resolveLoss(loss: LossSpec): { lossName: LossName; lossOptions: LossOptions } {
  if (!isLossObject(loss)) return { lossName: loss, lossOptions: {} };
  const { fromLogits, labelSmoothing, delta } = loss.config ?? {};
  const lossOptions: LossOptions = {};
  if (fromLogits) lossOptions.fromLogits = true;
  if (labelSmoothing) lossOptions.labelSmoothing = labelSmoothing;
  if (delta !== undefined) lossOptions.delta = delta;
  return { lossName: LOSS_CLASSES[loss.className as keyof typeof LOSS_CLASSES], lossOptions };
}

/** Resolves compile's per-output settings against the model's output names, Keras-style. */
export function resolveHeads(outputNames: string[], compile: CompileSpec): OutputHead[] {
  for (const [field, value] of [
    ['loss', compile.loss],
    ['lossWeights', compile.lossWeights],
    ['metrics', compile.metrics],
  ] as const) {
    if (isPerOutput(value)) {
      for (const key of Object.keys(value)) {
        if (!outputNames.includes(key)) {
          throw KilnError.invalidSpec(
            `no model output is named "${key}" (outputs: ${outputNames.join(', ')})`,
            `compile.${field}.${key}`,
          );
        }
      }
    }
  }
  return outputNames.map((name) => {
    const given = perOutput<LossSpec>(compile.loss, name);
    if (!given) throw KilnError.invalidSpec(`no loss given for output "${name}"`, 'compile.loss');
    const { lossName, lossOptions } = resolveLoss(given);
    const metrics = perOutput<MetricName | MetricName[]>(compile.metrics, name) ?? [];
    return {
      name,
      lossName,
      lossOptions,
      loss: lossFunction(lossName, lossOptions),
      weight: compile.lossWeights?.[name] ?? 1,
      metricNames: Array.isArray(metrics) ? metrics : [metrics],
    };
  });
}

/** The keys Keras reports: `loss`, `accuracy` for one output; `loss`, `<out>_loss`, `<out>_accuracy` for several. */
export function metricKey(head: OutputHead, metric: string, heads: OutputHead[]): string {
  const name = reportedMetricName(metric);
  return heads.length === 1 ? name : `${head.name}_${name}`;
}

/**
 * The name a metric is reported under: Keras' spelling (`categorical_accuracy`), whatever the
 * spec's spelling was normalised to internally (`categoricalAccuracy`); one-word names
 * (`accuracy`, `mse`) are the same either way.
 */
export function reportedMetricName(metric: string): string {
  return metric.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Fresh accumulators for every head's metrics. */
export function createHeadMetrics(heads: OutputHead[]): Metric[][] {
  return heads.map((head) => head.metricNames.map((m) => createMetric(m, metricKey(head, m, heads))));
}

/**
 * Forward pass and loss: the total weighted loss and each head's loss, as scalars, plus the
 * predictions. Sample weights (from classWeight) scale each sample's loss, averaged over the batch
 * as Keras does (sum over batch size).
 */
export function forwardLoss(
  model: tf.LayersModel,
  heads: OutputHead[],
  xs: tf.Tensor[],
  ys: tf.Tensor[],
  training: boolean,
  sampleWeight?: tf.Tensor,
): { total: tf.Scalar; perHead: tf.Scalar[]; preds: tf.Tensor[] } {
  const out = model.apply(xs.length === 1 ? xs[0]! : xs, { training }) as tf.Tensor | tf.Tensor[];
  const preds = Array.isArray(out) ? out : [out];
  const perHead = heads.map((head, i) => {
    let perSample = head.loss(ys[i]!, preds[i]!);
    // Losses of outputs with extra dims (e.g. sequences) reduce to one value per sample.
    if (perSample.rank > 1)
      perSample = tf.mean(
        perSample,
        perSample.shape.slice(1).map((_, d) => d + 1),
      );
    if (sampleWeight) perSample = tf.mul(perSample, sampleWeight);
    return tf.mean(perSample) as tf.Scalar;
  });
  let total = tf.addN(perHead.map((l, i) => tf.mul(l, heads[i]!.weight))) as tf.Scalar;
  const regularization = (model as unknown as { calculateLosses?: () => tf.Scalar[] }).calculateLosses?.() ?? [];
  if (regularization.length > 0) total = tf.add(total, tf.addN(regularization)) as tf.Scalar;
  return { total, perHead, preds };
}
