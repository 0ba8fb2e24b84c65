import type { DatasetInfo, NamedArrayInfo } from '../../domain/dataset.ts';
import type { Issue } from '../../domain/errors.ts';
import { mappedArrays, unknownMappingKeys, X_Y_ONLY_FIELDS } from '../../domain/run-spec/array-mapping.ts';
import type { DatasetRef, HeldOutDataset } from '../../domain/run-spec/schema.ts';
import type { ModelSummary } from '../model/index.ts';
import type { OutputHead } from '../training/heads.ts';
import { embeddingInputs } from './validate-indices.ts';

type Shape = (number | null)[];

const fits = (expected: Shape, given: number[]) =>
  expected.length === given.length && expected.every((d, i) => d === null || d === given[i]);
const shown = (shape: Shape) => `[${shape.map((d) => d ?? 'None').join(', ')}]`;

/**
 * A dataset of named arrays against the model, before the run is queued: every input and output
 * has an array (by the run's mapping or by name), of the sample shape the model takes, token ids
 * for an Embedding are whole numbers below its input_dim, and class indices fit their output.
 * Each issue names the array and the input or output.
 */
export function checkNamedArrays(
  ref: DatasetRef | HeldOutDataset,
  info: DatasetInfo & { arrays: Record<string, NamedArrayInfo> },
  summary: ModelSummary,
  heads: OutputHead[],
  /** Where the mapping is in the spec: the run's `dataset`, or its `validationData` / `testData`. */
  field = 'dataset',
): Issue[] {
  const issues: Issue[] = [];
  for (const setting of X_Y_ONLY_FIELDS) {
    if ((ref as DatasetRef)[setting] !== undefined)
      issues.push({ path: `${field}.${setting}`, message: 'is not supported for datasets of named arrays yet' });
  }
  const available = Object.keys(info.arrays).join(', ');
  const weightName = (ref as DatasetRef).sampleWeight;
  if (weightName !== undefined) {
    const problem = sampleWeightProblem(info.arrays[weightName], available);
    if (problem) issues.push({ path: `${field}.sampleWeight`, message: `array "${weightName}": ${problem}` });
  }
  const indexInputs = embeddingInputs(summary);
  for (const side of ['inputs', 'outputs'] as const) {
    const io = summary[side];
    const names = io.map((x) => x.name);
    for (const key of unknownMappingKeys(ref, side, names))
      issues.push({
        path: `${field}.${side}.${key}`,
        message: `the model has no ${side.slice(0, -1)} "${key}" (its ${side}: ${names.join(', ')})`,
      });
    mappedArrays(ref, side, names).forEach((arrayName, i) => {
      const { name, shape } = io[i]!;
      const path = `${field}.${side}.${name}`;
      const what = `${side === 'inputs' ? 'input' : 'output'} "${name}"`;
      const array = info.arrays[arrayName];
      if (!array) {
        issues.push({
          path,
          message: `the dataset has no array "${arrayName}" for ${what} (its arrays: ${available}); name one in ${field}.${side}`,
        });
        return;
      }
      const problem =
        side === 'inputs'
          ? inputProblem(array, shape, indexInputs.get(name)?.inputDim)
          : outputProblem(array, shape, heads[i]);
      if (problem) issues.push({ path, message: `array "${arrayName}" for ${what}: ${problem}` });
    });
  }
  return issues;
}

/** Keras' sample_weight: one non-negative number per row. */
function sampleWeightProblem(array: NamedArrayInfo | undefined, available: string): string | undefined {
  if (!array) return `the dataset has no such array (its arrays: ${available})`;
  if (!(array.shape.length === 0 || (array.shape.length === 1 && array.shape[0] === 1)))
    return `sample weights are one number per row, but each row has shape ${shown(array.shape)}`;
  if (array.range && array.range.min < 0)
    return `sample weights must not be negative (the smallest is ${array.range.min})`;
  return undefined;
}

function inputProblem(array: NamedArrayInfo, shape: Shape, embeddingInputDim: number | undefined): string | undefined {
  if (!fits(shape, array.shape))
    return `each sample has shape ${shown(array.shape)} but the input expects ${shown(shape)}`;
  if (embeddingInputDim === undefined) return undefined;
  if (array.dtype === 'float32')
    return `it feeds an Embedding, which takes token ids: save them as integers, not ${array.dtype}`;
  if (array.range && (array.range.min < 0 || array.range.max >= embeddingInputDim))
    return `token ids range from ${array.range.min} to ${array.range.max}, but the Embedding's input_dim is ${embeddingInputDim} (ids must lie in [0, ${embeddingInputDim}))`;
  return undefined;
}

function outputProblem(array: NamedArrayInfo, shape: Shape, head: OutputHead | undefined): string | undefined {
  const units = shape.at(-1) ?? 1;
  const oneValue = array.shape.length === 0 || (array.shape.length === 1 && array.shape[0] === 1);
  const classIndices =
    head?.lossName === 'sparseCategoricalCrossentropy' ||
    (head?.lossName === 'categoricalCrossentropy' && oneValue && units !== 1);
  if (!classIndices) {
    // One value per sample for a one-unit output, as Keras takes y of shape (n,) for outputs of (n, 1).
    const scalarForOne = array.shape.length === 0 && shape.length === 1 && shape[0] === 1;
    return scalarForOne || fits(shape, array.shape)
      ? undefined
      : `each sample has shape ${shown(array.shape)} but the output gives ${shown(shape)}`;
  }
  if (!oneValue)
    return `${head!.lossName} takes one class index per sample here, but each sample has shape ${shown(array.shape)}`;
  const range = array.range;
  if (range && (!range.integers || range.min < 0 || range.max >= (units ?? 1)))
    return `class indices range from ${range.min} to ${range.max}, but the output has ${units} units (indices must be whole numbers in [0, ${units}))`;
  return undefined;
}
