import type { DatasetRef, RunSpec } from '../../domain/run-spec/schema.ts';
import { heldOutRows } from '../../domain/run-spec/splits.ts';

/** Rows [from, to) of one split of a dataset. */
export interface RowRange {
  from: number;
  to: number;
}

/** Which rows of a dataset given by id each split of a run reads. */
export interface DatasetRows {
  train: RowRange;
  validation?: RowRange;
  /** Rows of the training split held out as the test set; `own` when the dataset has a test split of its own. */
  test?: RowRange | 'own';
}

/**
 * The run's splits of a stored dataset of `rows` rows (after `limit`): the dataset's own test split is
 * the test set, else the last testSplit of its rows, counted as Keras counts validation_split
 * (splits.ts: the same counts as inline data and the api's check). Evaluation only (epochs 0)
 * evaluates every row when the dataset has no test split of its own.
 */
export function datasetRows(spec: RunSpec, ref: DatasetRef, rows: number, hasOwnTest: boolean): DatasetRows {
  const evaluateOnly = spec.fit.epochs === 0;
  if (evaluateOnly) return { train: { from: 0, to: rows }, test: hasOwnTest ? 'own' : { from: 0, to: rows } };
  const heldOutTest = hasOwnTest ? 0 : heldOutRows(rows, ref.testSplit);
  const trainRows = rows - heldOutTest;
  const valRows = heldOutRows(trainRows, ref.validationSplit ?? spec.fit.validationSplit);
  return {
    train: { from: 0, to: trainRows - valRows },
    ...(valRows > 0 ? { validation: { from: trainRows - valRows, to: trainRows } } : {}),
    ...(hasOwnTest ? { test: 'own' as const } : heldOutTest > 0 ? { test: { from: trainRows, to: rows } } : {}),
  };
}

/** Row indices [from, to) as an index list. */
export const rowIndices = ({ from, to }: RowRange) =>
  Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
