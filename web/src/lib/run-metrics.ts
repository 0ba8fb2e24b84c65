import type { EpochView, RunView, TransferModelSpec } from '../api/types.ts';

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

/**
 * The registered model a run only evaluates (what POST /models/:id/evaluate starts: a transfer of the
 * model as it is, with fit.epochs 0), as the spec names it; null for a run that trains.
 */
export function evaluatedModel(spec: RunView['spec']): string | null {
  const model = spec.model as Partial<TransferModelSpec>;
  const asIs = !model.layers?.length && model.upTo === undefined;
  return model.type === 'transfer' && typeof model.base === 'string' && spec.fit.epochs === 0 && asIs
    ? model.base
    : null;
}
