import { validateModelSpec, type ModelSummary } from '../model/index.ts';
import { CompileError, resolveHeads } from '../training/heads.ts';
import { isInline, type RunSpec } from './run-spec.ts';

export interface SpecIssue {
  path: string;
  message: string;
}

/** Shape of a nested JSON array ([] for a number); undefined when ragged or not numeric. */
export function jsonArrayShape(value: unknown, depth = 0): number[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : undefined;
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

/** A dataset given by id against the model: one input and output, sample size, and classes against output units. */
function checkDatasetFit(spec: RunSpec, info: DatasetInfo, summary: ModelSummary, heads: ReturnType<typeof resolveHeads>): SpecIssue[] {
  const errors: SpecIssue[] = [];
  if (summary.inputs.length !== 1 || summary.outputs.length !== 1) {
    return [{ path: 'dataset.id', message: 'registered datasets feed models with one input and one output; give several as inline data' }];
  }
  const input = summary.inputs[0]!.shape;
  if (count(input) !== count(info.inputShape)) {
    errors.push({ path: 'dataset.id', message: `dataset samples have shape [${info.inputShape.join(', ')}] but the model's input expects [${input.join(', ')}]` });
  }
  const units = summary.outputs[0]!.shape.at(-1);
  const loss = heads[0]?.lossName;
  if (info.numClasses && loss === 'categoricalCrossentropy' && units !== info.numClasses) {
    errors.push({ path: 'model', message: `the dataset has ${info.numClasses} classes but the model's output has ${units} units` });
  }
  return errors;
}

/**
 * Everything the api checks before a run is queued, beyond the JSON schema: the model graph, the
 * compile settings against the model's outputs, and the inline data against its inputs and outputs.
 */
/** What the api knows of a dataset given by id: one sample's shape and, for class labels, how many classes. */
export interface DatasetInfo {
  inputShape: number[];
  numClasses?: number;
}

export function validateRunSpec(
  spec: RunSpec,
  opts: { maxParams: number; dataset?: DatasetInfo },
): { ok: true; summary: ModelSummary } | { ok: false; errors: SpecIssue[] } {
  const model = validateModelSpec(spec.model, { maxParams: opts.maxParams });
  if (!model.ok) return { ok: false, errors: model.errors.map((e) => ({ path: e.path.startsWith('model') ? e.path : `model.${e.path}`, message: e.message })) };
  const { summary } = model;
  const errors: SpecIssue[] = [];
  const outputNames = summary.outputs.map((o) => o.name);
  try {
    resolveHeads(outputNames, spec.compile);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    errors.push({ path: error.path, message: error.message });
  }
  const heads = errors.length ? [] : resolveHeads(outputNames, spec.compile);

  const check = (side: 'x' | 'y', value: unknown, expected: { name: string; shape: (number | null)[] }[], labelsFor?: (i: number) => string) => {
    const byName = !Array.isArray(value);
    const counts: number[] = [];
    expected.forEach((io, i) => {
      const path = byName ? `dataset.inline.${side}.${io.name}` : `dataset.inline.${side}`;
      const data = byName ? (value as Record<string, unknown>)[io.name] : expected.length === 1 ? value : undefined;
      if (data === undefined) {
        errors.push({ path, message: expected.length > 1 && !byName ? `the model has ${expected.length} ${side === 'x' ? 'inputs' : 'outputs'}; give ${side} as an object by name (${expected.map((e) => e.name).join(', ')})` : `missing data for "${io.name}"` });
        return;
      }
      const shape = jsonArrayShape(data);
      if (!shape) {
        errors.push({ path, message: 'must be a non-empty, rectangular nested array of finite numbers' });
        return;
      }
      counts.push(shape[0]!);
      const sample = shape.slice(1);
      const want = [null, ...io.shape] as (number | null)[];
      const sparse = labelsFor?.(i) === 'sparseCategoricalCrossentropy';
      const ok = sparse ? shape.length === 1 || (shape.length === want.length && shape.at(-1) === 1) : sameShape(want, shape);
      if (!ok) {
        errors.push({ path, message: `each sample has shape [${sample.join(', ')}] but ${side === 'x' ? 'input' : 'output'} "${io.name}" expects [${io.shape.join(', ')}]${sparse ? ' (sparse labels: one class index per sample)' : ''}` });
      }
    });
    return counts;
  };
  if (isInline(spec.dataset)) {
    const xCounts = check('x', spec.dataset.inline.x, summary.inputs);
    const yCounts = check('y', spec.dataset.inline.y, summary.outputs, (i) => heads[i]?.lossName ?? '');
    const counts = new Set([...xCounts, ...yCounts]);
    if (counts.size > 1) errors.push({ path: 'dataset.inline', message: `x and y hold different numbers of samples (${[...counts].join(' vs ')})` });
    const total = xCounts[0] ?? 0;
    if (total > 0 && Math.floor(total * (1 - spec.fit.validationSplit)) < 1) {
      errors.push({ path: 'fit.validationSplit', message: `leaves no training samples out of ${total}` });
    }
  } else if (opts.dataset) {
    errors.push(...checkDatasetFit(spec, opts.dataset, summary, heads));
  }
  return errors.length ? { ok: false, errors } : { ok: true, summary };
}
