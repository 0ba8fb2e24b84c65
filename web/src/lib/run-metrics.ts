import type { EpochView, RunSpecView } from '../api/types.ts';

/** Keras-style metric names: the loss and every compiled metric, training then validation. */
export function metricNames(epochs: EpochView[]): string[] {
  const names = new Set<string>();
  for (const e of epochs) for (const k of Object.keys(e.metrics)) names.add(k);
  return [...names];
}

/** The metric a run is judged by, and its best value: the first compiled metric on validation, else loss. */
export function bestMetric(spec: RunSpecView | undefined, epochs: EpochView[]): { name: string; value: number } | undefined {
  if (!epochs.length) return undefined;
  const compiled = (spec?.compile?.metrics ?? []).map(String);
  const keys = metricNames(epochs);
  const pick = [...compiled.flatMap((m) => [`val_${m}`, m]), 'val_loss', 'loss'].find((k) => keys.includes(k));
  if (!pick) return undefined;
  const lowerIsBetter = /loss|error/.test(pick);
  const values = epochs.map((e) => e.metrics[pick]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!values.length) return undefined;
  return { name: pick, value: lowerIsBetter ? Math.min(...values) : Math.max(...values) };
}

/** Where a run's data comes from: the registered dataset's name (else its id), a built-in's name, or "inline". */
export function datasetName(spec: RunSpecView | undefined, names: Record<string, string> = {}): string {
  const id = spec?.dataset?.id;
  if (id) return names[id] ?? id;
  return spec?.dataset ? 'inline' : '—';
}
