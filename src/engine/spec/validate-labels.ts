import type { Issue } from '../../domain/errors.ts';
import type { ModelSummary } from '../model/index.ts';
import { isPerOutput, type OutputHead } from '../training/heads.ts';
import type { CompileSpec, DatasetRef, FitSpec } from '../../domain/run-spec/schema.ts';
import type { DatasetInfo } from '../../domain/dataset.ts';
import { firstNonIndex } from './validate-indices.ts';

/**
 * Checks of class labels against the outputs that learn them: what Keras refuses (or what tfjs
 * would only fail on, or silently get wrong, once the run trains) refused at submission instead.
 */

type Output = ModelSummary['outputs'][number];

const SPARSE = 'sparseCategoricalCrossentropy';

/** The last dimension of an output: its units, or its classes for a classifier. */
const unitsOf = (output: Output) => output.shape.at(-1) ?? undefined;

/** Where a loss was given: `compile.loss`, or `compile.loss.<output>` when given per output. */
const lossPath = (compile: CompileSpec, output: string) =>
  isPerOutput(compile.loss) ? `compile.loss.${output}` : 'compile.loss';

/**
 * Sparse categorical crossentropy one-hot encodes each label to the output's width: one unit is not
 * a classifier (tfjs fails on it with "depth must be >=2" only when the run trains).
 */
export function checkLossOutputs(compile: CompileSpec, heads: OutputHead[], outputs: Output[]): Issue[] {
  const issues: Issue[] = [];
  heads.forEach((head, i) => {
    const units = outputs[i] && unitsOf(outputs[i]);
    if (head.lossName === SPARSE && units === 1) {
      issues.push({
        path: lossPath(compile, head.name),
        message: `sparse_categorical_crossentropy needs one output unit per class (2 or more), but output "${head.name}" has 1; for two classes use binary_crossentropy with a sigmoid output, or 2 softmax units`,
      });
    }
  });
  return issues;
}

/**
 * Inline labels of a sparse categorical output: every one a class index, an integer in [0, units).
 * tfjs' oneHot turns any other value into a row of zeros, and the run would "succeed" on them.
 */
export function checkSparseLabels(labels: unknown, head: OutputHead, output: Output, path: string): Issue[] {
  const classes = unitsOf(output);
  if (head.lossName !== SPARSE || !classes || classes < 2 || !Array.isArray(labels)) return [];
  const bad = firstNonIndex(labels, classes);
  if (!bad) return [];
  const what = notAnIndex(Number.isInteger(bad.value), classes, head.name);
  return [{ path, message: `label ${bad.value} of sample ${bad.sample} ${what}` }];
}

/** Why a sparse label is no class index of an output: one wording for inline and registered data. */
function notAnIndex(integer: boolean, classes: number, output: string): string {
  const what = integer
    ? `is outside the valid range [0, ${classes})`
    : `is not a class index (an integer in [0, ${classes}))`;
  return `${what} of output "${output}" (${classes} units, sparse_categorical_crossentropy)`;
}

/**
 * A registered dataset's sparse labels against the output's units, from the label range recorded at
 * ingestion: MNIST's labels 0–9 on 5 units would train "successfully" on rows of zeros for 5–9.
 */
function checkLabelRange(info: DatasetInfo, head: OutputHead, units: number | undefined): Issue[] {
  const range = info.labelRange;
  if (!range || !units || units < 2) return [];
  const worst = range.min < 0 ? range.min : range.max >= units ? range.max : undefined;
  if (range.integers && worst === undefined) return [];
  const span = `the dataset's labels range from ${range.min} to ${range.max}`;
  const message =
    worst !== undefined
      ? `${span}: label ${worst} ${notAnIndex(range.integers, units, head.name)}${range.min >= 0 ? `; give the output ${Math.ceil(range.max) + 1} units` : ''}`
      : `${span} and are not all whole numbers: such a label ${notAnIndex(false, units, head.name)}`;
  return [{ path: 'model', message, labelRange: [range.min, range.max], units }];
}

/**
 * fit.classWeight as Keras has it: one output, one label per sample, and keys that are class
 * indices of that output (Keras refuses keys of classes that do not exist). Without these checks
 * a key such as "a" failed the run in tfjs' clip, and a key of 1000000000 sized a 4 GB table.
 */
export function checkClassWeight(fit: FitSpec, heads: OutputHead[], outputs: Output[]): Issue[] {
  const classWeight = fit.classWeight;
  if (!classWeight) return [];
  const path = 'fit.classWeight';
  if (outputs.length !== 1) {
    return [
      {
        path,
        message: `class_weight is only supported for models with a single output, as in Keras; this model has ${outputs.length} (${outputs.map((o) => o.name).join(', ')})`,
      },
    ];
  }
  const output = outputs[0]!;
  if (output.shape.length !== 1) {
    return [
      {
        path,
        message: `class_weight needs one label per sample, but output "${output.name}" gives [${output.shape.join(', ')}] per sample (Keras does not support class_weight for 3+ dimensional targets)`,
      },
    ];
  }
  const units = unitsOf(output);
  if (!units) return [];
  // One unit holds a binary label: classes 0 and 1.
  const classes = units === 1 ? 2 : units;
  const issues: Issue[] = [];
  for (const key of Object.keys(classWeight)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= classes) {
      issues.push({
        path: `${path}.${key}`,
        message: `class_weight keys are class indices of output "${heads[0]?.name ?? output.name}", integers 0 to ${classes - 1}${units === 1 ? ' (one unit: binary labels 0 and 1)' : ` (${units} units)`}; "${key}" is not one`,
      });
    }
  }
  return issues;
}

/** A registered dataset's labels as the run reads them: explicitly, or as the loss implies. */
export function labelKind(ref: DatasetRef, head: OutputHead | undefined): 'oneHot' | 'sparse' | 'raw' {
  return (
    ref.labels ??
    (head?.lossName === SPARSE ? 'sparse' : head?.lossName === 'categoricalCrossentropy' ? 'oneHot' : 'raw')
  );
}

/**
 * A registered dataset's classes against its one output: one-hot and sparse labels both need one
 * unit per class (sparse labels beyond the output's width become rows of zeros in tfjs' oneHot), and
 * the labels' encoding must be the one the loss reads.
 */
export function checkDatasetClasses(
  ref: DatasetRef,
  info: DatasetInfo,
  head: OutputHead | undefined,
  output: Output,
): Issue[] {
  const issues: Issue[] = [];
  const kind = labelKind(ref, head);
  if (head && ref.labels === 'sparse' && head.lossName === 'categoricalCrossentropy') {
    issues.push({
      path: 'dataset.labels',
      message:
        'sparse labels (class indices) need sparse_categorical_crossentropy; categorical_crossentropy reads one-hot labels ("labels": "oneHot")',
    });
  }
  if (head && ref.labels === 'oneHot' && head.lossName === SPARSE) {
    issues.push({
      path: 'dataset.labels',
      message:
        'one-hot labels need categorical_crossentropy; sparse_categorical_crossentropy reads class indices ("labels": "sparse")',
    });
  }
  const units = unitsOf(output);
  const classifier = kind !== 'raw' || head?.lossName === 'categoricalCrossentropy' || head?.lossName === SPARSE;
  if (info.numClasses && classifier && units !== info.numClasses) {
    issues.push({
      path: 'model',
      message: `the dataset has ${info.numClasses} classes but the model's output has ${units} units (${kind === 'sparse' ? 'sparse' : 'one-hot'} labels need one unit per class)`,
    });
  } else if (head && kind === 'sparse') {
    issues.push(...checkLabelRange(info, head, units));
  }
  return issues;
}
