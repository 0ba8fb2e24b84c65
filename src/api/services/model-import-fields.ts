import { KilnError, type Issue } from '../../domain/errors.ts';
import type { Preprocessing } from '../../serving/types.ts';

/** The fields of POST /models, checked: what the import needs besides the files. */
export interface ImportFields {
  name: string;
  labels?: string[];
  preprocess?: Preprocessing;
  model?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkPreprocess(value: unknown, issues: Issue[]): Preprocessing | undefined {
  const shape =
    'give {"scale": s} (with an optional "offset") or {"mean": [...], "std": [...]}, one of each per value of an input row';
  if (!isObject(value)) return void issues.push({ path: 'preprocess', message: `must be a JSON object: ${shape}` });
  const keys = Object.keys(value);
  if (keys.includes('scale') || keys.includes('offset')) {
    const extra = keys.filter((k) => k !== 'scale' && k !== 'offset');
    if (extra.length)
      issues.push({ path: `preprocess.${extra[0]}`, message: `is not a field of a scale preprocessing (${shape})` });
    if (!finite(value.scale)) issues.push({ path: 'preprocess.scale', message: 'must be a finite number' });
    if (value.offset !== undefined && !finite(value.offset))
      issues.push({ path: 'preprocess.offset', message: 'must be a finite number' });
    return { scale: value.scale as number, ...(value.offset !== undefined ? { offset: value.offset as number } : {}) };
  }
  if (keys.includes('mean') || keys.includes('std')) {
    const extra = keys.filter((k) => k !== 'mean' && k !== 'std');
    if (extra.length)
      issues.push({ path: `preprocess.${extra[0]}`, message: `is not a field of a standardization (${shape})` });
    const list = (key: 'mean' | 'std') => {
      const v = value[key];
      if (!Array.isArray(v) || v.length === 0 || !v.every(finite)) {
        issues.push({ path: `preprocess.${key}`, message: 'must be a non-empty list of finite numbers' });
        return undefined;
      }
      return v as number[];
    };
    const [mean, std] = [list('mean'), list('std')];
    if (std?.some((s) => s <= 0))
      issues.push({ path: 'preprocess.std', message: 'every standard deviation must be above 0' });
    if (mean && std && mean.length !== std.length) {
      issues.push({ path: 'preprocess.std', message: `has ${std.length} values but mean has ${mean.length}` });
    }
    return mean && std ? { mean, std } : undefined;
  }
  issues.push({ path: 'preprocess', message: shape });
  return undefined;
}

/**
 * Checks the fields of a model upload, each as its own issue naming the field: `name` (no '@' or '/',
 * which model references use), `labels` (class names, non-empty), `preprocess` (a scale, or per-value
 * statistics), `model` (any JSON; the importer checks it). Their fit to the model is checked once it is built.
 */
export function checkImportFields(fields: Record<string, unknown>): ImportFields {
  const issues: Issue[] = [];
  const known = ['name', 'labels', 'preprocess', 'model'];
  for (const key of Object.keys(fields).filter((k) => !known.includes(k))) {
    issues.push({ path: key, message: `is not a field of a model import (${known.join(', ')})` });
  }
  const name = fields.name;
  if (typeof name !== 'string' || name.length === 0) issues.push({ path: 'name', message: 'is required' });
  else if (name.length > 200) issues.push({ path: 'name', message: 'is longer than 200 characters' });
  else if (/[@/]/.test(name))
    issues.push({ path: 'name', message: "is addressed as <name>@<version> in URLs: it cannot contain '@' or '/'" });
  let labels: string[] | undefined;
  if (fields.labels !== undefined) {
    const list = fields.labels;
    if (!Array.isArray(list) || list.length === 0 || !list.every((l) => typeof l === 'string' && l.trim().length > 0)) {
      issues.push({
        path: 'labels',
        message: 'must be class names: a JSON list or comma-separated, none of them empty',
      });
    } else labels = list.map((l: string) => l.trim());
  }
  const preprocess = fields.preprocess === undefined ? undefined : checkPreprocess(fields.preprocess, issues);
  if (issues.length) throw KilnError.invalid(issues);
  return { name: name as string, labels, preprocess, model: fields.model };
}
