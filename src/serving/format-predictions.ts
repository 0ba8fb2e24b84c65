import type { Labels, OutputRows } from './types.ts';

/** How an output is read as a classification, decided once when the model loads. */
export interface OutputHead {
  name: string;
  /** softmax: one probability per class; sigmoid: one probability of class 1; none: not a classifier. */
  kind: 'softmax' | 'sigmoid' | 'none';
  labels: string[] | null;
}

/** One class of a classification, as answered to clients. */
export interface ClassScore {
  class: number;
  label: string | null;
  confidence: number;
}

/** One output of one instance in Kiln's format: its values and, for a classifier, the classes. */
export type OutputPrediction = { values: unknown } & Partial<ClassScore> & { topK?: ClassScore[] };

/**
 * Reads each output's activation and shape to tell classifiers apart: a softmax over [batch, k] or a
 * sigmoid over [batch, 1]. Labels are the dataset's class names, one list for all classifier outputs
 * or one per output name; a list of the wrong length is ignored rather than mislabelling classes.
 */
export function describeHeads(
  outputs: Array<{ name: string; shape: (number | null)[]; activation?: string }>,
  labels: Labels | null,
): OutputHead[] {
  return outputs.map(({ name, shape, activation }) => {
    const units = shape.length === 2 ? shape[1] : undefined;
    const kind =
      activation === 'softmax' && typeof units === 'number' && units >= 2
        ? 'softmax'
        : activation === 'sigmoid' && units === 1
          ? 'sigmoid'
          : 'none';
    const classes = kind === 'softmax' ? units! : kind === 'sigmoid' ? 2 : 0;
    const list = Array.isArray(labels) ? labels : (labels?.[name] ?? null);
    return { name, kind, labels: kind !== 'none' && list && list.length === classes ? list : null };
  });
}

/** A flat row as nested arrays of the row's shape (a number for a scalar row). */
export function nest(data: Float32Array, shape: number[], offset = 0): unknown {
  if (shape.length === 0) return data[offset]!;
  if (shape.length === 1) return Array.from(data.subarray(offset, offset + shape[0]!));
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(data, shape.slice(1), offset + i * stride));
}

function classScores(head: OutputHead, row: Float32Array): ClassScore[] {
  const probabilities = head.kind === 'sigmoid' ? [1 - row[0]!, row[0]!] : Array.from(row);
  return probabilities.map((confidence, c) => ({ class: c, label: head.labels?.[c] ?? null, confidence }));
}

/**
 * Kiln's predictions: one entry per instance; with one output the entry is that output's prediction,
 * with several it is an object of them by output name. A classifier's prediction carries its class,
 * label and confidence, and the `topK` most likely classes when topK is asked for.
 */
export function formatPredictions(
  outputs: OutputRows[],
  heads: OutputHead[],
  count: number,
  topK?: number,
): Array<OutputPrediction | Record<string, OutputPrediction>> {
  return Array.from({ length: count }, (_, i) => {
    const perOutput = outputs.map((output, o) => {
      const size = output.rowShape.reduce((a, b) => a * b, 1);
      const row = output.data.subarray(i * size, (i + 1) * size);
      const prediction: OutputPrediction = { values: nest(row, output.rowShape) };
      const head = heads[o]!;
      if (head.kind !== 'none') {
        const scores = classScores(head, row);
        const ranked = [...scores].sort((a, b) => b.confidence - a.confidence);
        Object.assign(prediction, ranked[0]);
        if (topK) prediction.topK = ranked.slice(0, topK);
      }
      return prediction;
    });
    return outputs.length === 1 ? perOutput[0]! : Object.fromEntries(outputs.map((o, k) => [o.name, perOutput[k]!]));
  });
}
