import type { NdArray } from '../domain/arrays.ts';
import type { LabelRange } from '../domain/dataset.ts';

/**
 * The smallest and largest label of a dataset whose labels are one value per sample (class indices or
 * a scalar target), over every split: the api checks a run's sparse labels against its output's units
 * from it, without reading the labels again. Undefined for one-hot or vector labels.
 */
export function labelRange(labels: NdArray[]): LabelRange | undefined {
  if (labels.length === 0 || labels.some((y) => y.shape.length > 2 || (y.shape[1] ?? 1) !== 1)) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (const y of labels) {
    for (const value of y.data) {
      if (value < min) min = value;
      if (value > max) max = value;
      if (integers && !Number.isInteger(value)) integers = false;
    }
  }
  return min <= max ? { min, max, integers } : undefined;
}
