import { nestedJson } from './json-numbers.ts';
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

function classScores(head: OutputHead, row: Float32Array): ClassScore[] {
  const probabilities = head.kind === 'sigmoid' ? [1 - row[0]!, row[0]!] : Array.from(row);
  return probabilities.map((confidence, c) => ({ class: c, label: head.labels?.[c] ?? null, confidence }));
}

/**
 * Kiln's predictions as JSON text (the array of `predictions`): one entry per instance; with one output
 * the entry is that output's prediction, with several an object of them by output name. A prediction is
 * `{values, class?, label?, confidence?, topK?}` (OutputPrediction): a classifier's carries its most
 * likely class, label and confidence, and the `topK` most likely classes when topK is asked for. The
 * values are written from the output buffer directly.
 */
export function formatPredictions(outputs: OutputRows[], heads: OutputHead[], count: number, topK?: number): string {
  const sizes = outputs.map((o) => o.rowShape.reduce((a, b) => a * b, 1));
  const entries = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const perOutput = outputs.map((output, o) => {
      const at = i * sizes[o]!;
      let text = `{"values":${nestedJson(output.data, output.rowShape, at)}`;
      const head = heads[o]!;
      if (head.kind !== 'none') {
        const ranked = classScores(head, output.data.subarray(at, at + sizes[o]!)).sort(
          (a, b) => b.confidence - a.confidence,
        );
        text += `,${JSON.stringify(ranked[0]).slice(1, -1)}`;
        if (topK) text += `,"topK":${JSON.stringify(ranked.slice(0, topK))}`;
      }
      return `${text}}`;
    });
    entries[i] =
      outputs.length === 1
        ? perOutput[0]!
        : `{${outputs.map((o, k) => `${JSON.stringify(o.name)}:${perOutput[k]}`).join(',')}}`;
  }
  return `[${entries.join(',')}]`;
}
