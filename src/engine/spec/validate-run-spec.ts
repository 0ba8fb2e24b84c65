import { checkStepModels } from './validate-step-models.ts';
import { KilnError, type Issue } from '../../domain/errors.ts';
import { validateModelSpec, type ModelSummary } from '../model/index.ts';
import { resolveHeads } from '../training/heads.ts';
import { checkLearningRateSchedule, checkOptimizerArgs } from './optimizers.ts';
import { checkLossObjects } from './losses.ts';
import { isInline, type DatasetRef, type RunSpec } from '../../domain/run-spec/schema.ts';
import { splitCounts } from '../../domain/run-spec/splits.ts';
import type { DatasetInfo } from '../../domain/dataset.ts';
import { checkCallbackMonitors } from './validate-callbacks.ts';
import { checkClassWeight, checkDatasetClasses, checkLossOutputs, checkSparseLabels } from './validate-labels.ts';
import { checkIndices, embeddingInputs } from './validate-indices.ts';
import { checkNamedArrays } from './validate-named-arrays.ts';
import { checkHeldOutData, type HeldOutInfo } from './validate-held-out.ts';

/** The largest magnitude a float32 holds: beyond it a JSON number becomes Infinity in a tensor. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Shape of a nested JSON array ([] for a number); undefined when ragged, not numeric or beyond float32. */
export function jsonArrayShape(value: unknown, depth = 0): number[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX ? [] : undefined;
  if (!Array.isArray(value) || value.length === 0 || depth > 8) return undefined;
  const first = jsonArrayShape(value[0], depth + 1);
  if (!first) return undefined;
  // Checking every element keeps ragged data from reaching the worker; cheap next to training on it.
  for (let i = 1; i < value.length; i++) {
    const shape = jsonArrayShape(value[i], depth + 1);
    if (!shape || shape.length !== first.length || shape.some((d, k) => d !== first[k])) return undefined;
  }
  return [value.length, ...first];
}

function sameShape(expected: (number | null)[], given: number[]): boolean {
  return expected.length === given.length && expected.every((d, i) => d === null || d === given[i]);
}

const count = (shape: (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

/** The rows a run on a stored dataset splits (its train split, up to `limit`), when the api knows them. */
const datasetRows = (ref: DatasetRef, info: DatasetInfo) =>
  info.samples === undefined ? undefined : Math.min(info.samples, ref.limit ?? Infinity);

/** A dataset given by id against the model: its arrays against the inputs and outputs, and its splits. */
function checkDatasetFit(
  spec: RunSpec,
  info: DatasetInfo,
  summary: ModelSummary,
  heads: ReturnType<typeof resolveHeads>,
): Issue[] {
  const errors: Issue[] = [];
  const ref = spec.dataset as DatasetRef;
  if (info.arrays) {
    errors.push(...checkNamedArrays(ref, { ...info, arrays: info.arrays }, summary, heads));
  } else if (summary.inputs.length !== 1 || summary.outputs.length !== 1) {
    return [
      {
        path: 'dataset.id',
        message:
          'this dataset holds x and y, for a model with one input and one output; upload named arrays (an NPZ of image, text, label…) or give inline data for several',
      },
    ];
  } else {
    errors.push(...checkXYDataset(ref, info, summary, heads));
  }
  const rows = datasetRows(ref, info);
  if (rows !== undefined) {
    errors.push(
      ...checkSplits(
        rows,
        info.hasTestSplit ? undefined : ref.testSplit,
        ref.validationSplit ?? spec.fit.validationSplit,
        {
          test: 'dataset.testSplit',
          validation: ref.validationSplit !== undefined ? 'dataset.validationSplit' : 'fit.validationSplit',
        },
      ),
    );
  }
  return errors;
}

/** An x/y dataset: its samples against the model's one input, its labels against its one output. */
function checkXYDataset(
  ref: DatasetRef,
  info: DatasetInfo,
  summary: ModelSummary,
  heads: ReturnType<typeof resolveHeads>,
): Issue[] {
  const errors: Issue[] = [];
  for (const side of ['inputs', 'outputs', 'sampleWeight'] as const) {
    if (ref[side] !== undefined)
      errors.push({
        path: `dataset.${side}`,
        message: 'names arrays of a dataset of named arrays; this one holds x and y',
      });
  }
  const input = summary.inputs[0]!.shape;
  const shapes = `dataset samples have shape [${info.inputShape.join(', ')}] but the model's input expects [${input.join(', ')}]`;
  if (count(input) !== count(info.inputShape)) {
    errors.push({ path: 'dataset.id', message: shapes });
  } else if (!sameShape(input, info.inputShape) && !ref.reshape) {
    errors.push({
      path: 'dataset.reshape',
      message: `${shapes}; set "reshape": true in the dataset to feed each sample as [${input.join(', ')}] (same ${count(input)} values)`,
    });
  }
  errors.push(...checkDatasetClasses(ref, info, heads[0], summary.outputs[0]!));
  return errors;
}

/**
 * A registered dataset's validationSplit and fit.validationSplit are the same thing said twice: when
 * both are given, which one wins is a guess the user should not have to make.
 */
function checkSplitConflict(ref: DatasetRef, fitSplit: number): Issue[] {
  if (ref.validationSplit === undefined || !fitSplit) return [];
  return [
    {
      path: 'dataset.validationSplit',
      message: `dataset.validationSplit (${ref.validationSplit}) and fit.validationSplit (${fitSplit}) both set the validation split; give only one`,
    },
  ];
}

/**
 * The rows of each split (splitCounts, as the worker takes them): a split that leaves nothing to
 * train on, or that was asked for and would be empty, is refused rather than trained without.
 */
function checkSplits(
  rows: number,
  testSplit: number | undefined,
  validationSplit: number | undefined,
  paths: { test: string; validation: string },
): Issue[] {
  const counts = splitCounts(rows, testSplit, validationSplit);
  const rest = rows - counts.test;
  const how = 'each split holds out the last n - floor(n * (1 - split)) rows, as Keras does';
  if (testSplit && rest < 1)
    return [
      {
        path: paths.test,
        message: `testSplit ${testSplit} holds out all ${rows} samples, leaving none to train on (${how})`,
      },
    ];
  if (testSplit && counts.test < 1)
    return [{ path: paths.test, message: `testSplit ${testSplit} of ${rows} samples holds out none` }];
  const of = counts.test
    ? `the ${rest} samples left after testSplit ${testSplit} (which holds out ${counts.test} of ${rows})`
    : `${rows} samples`;
  if (validationSplit && counts.train < 1) {
    return [
      {
        path: paths.validation,
        message: `validation_split ${validationSplit} of ${of} holds out all ${counts.validation}, leaving no training samples (${how})`,
      },
    ];
  }
  if (validationSplit && counts.validation < 1)
    return [
      { path: paths.validation, message: `validation_split ${validationSplit} of ${of} holds out none for validation` },
    ];
  return [];
}

/** Two outputs of one layer would be one tensor trained twice; tfjs fails on it only when the run trains. */
function checkDuplicateOutputs(spec: RunSpec, summary: ModelSummary): Issue[] {
  const names = summary.outputs.map((o) => o.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length === 0) return [];
  const path = spec.model.type === 'keras' ? 'model.config.output_layers' : 'model.outputs';
  return [{ path, message: `output "${repeated[0]}" is listed more than once; each output must be a different layer` }];
}

/**
 * Everything the api checks before a run is queued, beyond the JSON schema: the model graph, the
 * compile settings against the model's outputs, the inline data against its inputs and outputs, the
 * splits, class labels and weights, and the metrics callbacks monitor.
 */
export function validateRunSpec(
  spec: RunSpec,
  opts: { maxParams: number; dataset?: DatasetInfo; heldOut?: HeldOutInfo },
): { ok: true; summary: ModelSummary } | { ok: false; errors: Issue[] } {
  const model = validateModelSpec(spec.model, { maxParams: opts.maxParams });
  if (!model.ok)
    return {
      ok: false,
      errors: model.errors.map((e) => ({
        path: e.path.startsWith('model') ? e.path : `model.${e.path}`,
        message: e.message,
      })),
    };
  const { summary } = model;
  const errors: Issue[] = [];
  const outputNames = summary.outputs.map((o) => o.name);
  try {
    resolveHeads(outputNames, spec.compile);
  } catch (error) {
    if (!(error instanceof KilnError)) throw error;
    errors.push(...error.issues);
  }
  const heads = errors.length ? [] : resolveHeads(outputNames, spec.compile);
  // The run's name becomes its model's name, which URLs address as <name>@<version> or <name>@<alias>.
  if (spec.name !== undefined && /[@/]/.test(spec.name)) {
    errors.push({
      path: 'name',
      message: `becomes the model's name, addressed as ${spec.name.replace(/[@/]/g, '_')}@<version> in URLs: it cannot contain '@' or '/'`,
    });
  }
  errors.push(...checkDuplicateOutputs(spec, summary));
  errors.push(...checkOptimizerArgs(spec.compile.optimizer));
  errors.push(...checkLearningRateSchedule(spec.compile.optimizer, spec.callbacks));
  errors.push(...checkLossObjects(spec.compile));
  errors.push(...checkStepModels(spec, opts.maxParams));
  errors.push(...checkLossOutputs(spec.compile, heads, summary.outputs));
  errors.push(...checkClassWeight(spec.fit, heads, summary.outputs));
  if (!isInline(spec.dataset)) errors.push(...checkSplitConflict(spec.dataset, spec.fit.validationSplit));
  const validationSplit = isInline(spec.dataset)
    ? spec.fit.validationSplit
    : (spec.dataset.validationSplit ?? spec.fit.validationSplit);
  // Replaced by the exact count where the number of rows is known; a stored dataset's is not always.
  let hasValidation = validationSplit > 0;

  const indexInputs = embeddingInputs(summary);
  const check = (
    side: 'x' | 'y',
    value: unknown,
    expected: { name: string; shape: (number | null)[] }[],
    labelsFor?: (i: number) => string,
  ) => {
    const byName = !Array.isArray(value);
    const counts: number[] = [];
    expected.forEach((io, i) => {
      const path = byName ? `dataset.inline.${side}.${io.name}` : `dataset.inline.${side}`;
      const data = byName ? (value as Record<string, unknown>)[io.name] : expected.length === 1 ? value : undefined;
      if (data === undefined) {
        errors.push({
          path,
          message:
            expected.length > 1 && !byName
              ? `the model has ${expected.length} ${side === 'x' ? 'inputs' : 'outputs'}; give ${side} as an object by name (${expected.map((e) => e.name).join(', ')})`
              : `missing data for "${io.name}"`,
        });
        return;
      }
      const shape = jsonArrayShape(data);
      if (!shape) {
        errors.push({
          path,
          message: 'must be a non-empty, rectangular nested array of finite numbers (within float32: ±3.4e38)',
        });
        return;
      }
      counts.push(shape[0]!);
      const sample = shape.slice(1);
      const want = [null, ...io.shape] as (number | null)[];
      const sparse = labelsFor?.(i) === 'sparseCategoricalCrossentropy';
      const ok = sparse
        ? shape.length === 1 || (shape.length === want.length && shape.at(-1) === 1)
        : sameShape(want, shape);
      if (!ok) {
        errors.push({
          path,
          message: `each sample has shape [${sample.join(', ')}] but ${side === 'x' ? 'input' : 'output'} "${io.name}" expects [${io.shape.join(', ')}]${sparse ? ' (sparse labels: one class index per sample)' : ''}`,
        });
      } else if (side === 'y' && heads[i]) {
        errors.push(...checkSparseLabels(data, heads[i]!, summary.outputs[i]!, path));
      } else if (side === 'x' && indexInputs.has(io.name)) {
        errors.push(...checkIndices(data, indexInputs.get(io.name)!, path));
      }
    });
    return counts;
  };
  if (isInline(spec.dataset)) {
    const xCounts = check('x', spec.dataset.inline.x, summary.inputs);
    const yCounts = check('y', spec.dataset.inline.y, summary.outputs, (i) => heads[i]?.lossName ?? '');
    const counts = new Set([...xCounts, ...yCounts]);
    if (counts.size > 1)
      errors.push({
        path: 'dataset.inline',
        message: `x and y hold different numbers of samples (${[...counts].join(' vs ')})`,
      });
    const total = xCounts[0] ?? 0;
    if (total > 0 && counts.size === 1) {
      errors.push(
        ...checkSplits(total, spec.dataset.testSplit, validationSplit, {
          test: 'dataset.testSplit',
          validation: 'fit.validationSplit',
        }),
      );
      hasValidation = splitCounts(total, spec.dataset.testSplit, validationSplit).validation > 0;
    }
  } else if (opts.dataset) {
    errors.push(...checkDatasetFit(spec, opts.dataset, summary, heads));
    const rows = datasetRows(spec.dataset, opts.dataset);
    if (rows !== undefined)
      hasValidation =
        splitCounts(rows, opts.dataset.hasTestSplit ? undefined : spec.dataset.testSplit, validationSplit).validation >
        0;
  }
  errors.push(
    ...checkHeldOutData(
      spec,
      opts.heldOut ?? {},
      summary,
      heads,
      (ref, info) =>
        summary.inputs.length === 1 && summary.outputs.length === 1 ? checkXYDataset(ref, info, summary, heads) : [],
      opts.dataset,
    ),
  );
  if (spec.validationData) hasValidation = true;
  // A user's train_step logs what it returns, known only when it runs (a callback then says its monitor is missing, as Keras does).
  if (!spec.trainStep) errors.push(...checkCallbackMonitors(spec.callbacks, heads, hasValidation));
  return errors.length ? { ok: false, errors } : { ok: true, summary };
}
