import type { EpochView } from '../api/types.ts';

/** Keras-style metric names: the loss and every compiled metric, training then validation. */
export function metricNames(epochs: EpochView[]): string[] {
  const names = new Set<string>();
  for (const e of epochs) for (const k of Object.keys(e.metrics)) names.add(k);
  return [...names];
}

/** Where a run's data comes from: the registered dataset's name (else its id), a built-in's name, or "inline". */
export function datasetName(datasetId: string | null, names: Record<string, string> = {}): string {
  return datasetId ? (names[datasetId] ?? datasetId) : 'inline';
}
