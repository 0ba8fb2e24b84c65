import type { Issue } from '../../domain/errors.ts';
import { ACTIVATION_NAMES, resolveActivation } from './activations.ts';
import { parseInitializer } from './initializers.ts';
import { camelCase } from './naming.ts';
import { parseRegularizer } from './regularizers.ts';
import { joinPath } from './spec-error.ts';
import { own } from '../../domain/own.ts';

/** How one layer argument is checked and normalized. */
export type ArgRule =
  | { kind: 'int'; min?: number }
  | { kind: 'number'; min?: number; max?: number; maxExclusive?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  /** Keras int-or-tuple: `3` means `[3, 3]` for length 2. */
  | { kind: 'ints'; length: number; min?: number }
  /** A shape without batch axis; null = any size. With `wildcard`, Keras' -1 (inferred size) is read as null. */
  | { kind: 'shape'; wildcard?: boolean }
  | { kind: 'activation' }
  | { kind: 'initializer' }
  | { kind: 'regularizer' }
  /** Keras feature tfjs lacks: only the value `only` is accepted. */
  | { kind: 'only'; only: unknown; why: string }
  /** One axis or a list of axes (Keras indexing, batch axis = 0). */
  | { kind: 'axis' }
  /** ZeroPadding2D padding: int, [h, w] or [[top, bottom], [left, right]]. */
  | { kind: 'padding2d' }
  /** A nested layer object (Bidirectional's `layer`), parsed by the caller. */
  | { kind: 'layer' }
  /** Keras dtype: a string or a Keras 3 DTypePolicy object; only the listed dtypes are accepted. */
  | { kind: 'dtype'; values: readonly string[] }
  /** A finite number, or a rectangular nested list of them (a constant tensor, e.g. Normalization's mean). */
  | { kind: 'tensor' };

export interface ArgSpec {
  rule: ArgRule;
  default?: unknown;
  required?: boolean;
  /** null is accepted and means "use the default". */
  nullable?: boolean;
}

export type ArgSchema = Readonly<Record<string, ArgSpec>>;

/** Normalized argument values, keyed by camelCase name; shapes follow each rule (e.g. `ints` → number[]). */
// `any`: values are validated against the schema before any layer rule reads them, so rules index this freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = Readonly<Record<string, any>>;

export interface NormalizeContext {
  /** JSON path of the object holding the raw arguments. */
  argsPath: string;
  /** `layer "x" (Type)` prefix for messages. */
  label: string;
  /** Keras documents carry fields Kiln does not use; drop unknown ones whose value is null or false. */
  lenientUnknown: boolean;
  /** Parses a nested layer argument; reports its own issues and returns undefined on failure. */
  parseNested: (value: unknown, path: string) => unknown;
  issues: Issue[];
}

export interface NormalizedArgs {
  args: Args;
  /** camelCase name → key as the user wrote it, for error paths. */
  rawKeys: Record<string, string>;
  ok: boolean;
}

/** Checks raw arguments against a schema, fills defaults, and converts Keras spellings to normalized values. */
export function normalizeArgs(raw: Record<string, unknown>, schema: ArgSchema, ctx: NormalizeContext): NormalizedArgs {
  const args: Record<string, unknown> = {};
  const rawKeys: Record<string, string> = {};
  let ok = true;
  const fail = (key: string, message: string): void => {
    ctx.issues.push({ path: joinPath(ctx.argsPath, key), message: `${ctx.label}: ${message}` });
    ok = false;
  };
  for (const [key, value] of Object.entries(raw)) {
    const name = camelCase(key);
    const spec = own(schema, name);
    if (!spec) {
      if (ctx.lenientUnknown && (value === null || value === false)) continue;
      const allowed = Object.keys(schema).join(', ');
      fail(key, `unknown argument "${key}" (allowed: ${allowed || 'none'})`);
      continue;
    }
    if (name in rawKeys) {
      fail(key, `argument "${key}" given twice (also as "${rawKeys[name]}")`);
      continue;
    }
    rawKeys[name] = key;
    if (value === null && spec.nullable) continue;
    const result = checkValue(value, spec.rule, key, ctx);
    if (isError(result)) {
      if (result.error) fail(key, result.error);
      else ok = false;
    } else {
      args[name] = result;
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    if (name in args || !ok) continue;
    if (spec.required && !(name in rawKeys)) {
      ctx.issues.push({ path: ctx.argsPath, message: `${ctx.label}: missing required argument "${name}"` });
      ok = false;
    } else if (spec.default !== undefined) {
      args[name] = spec.default;
    }
  }
  return { args, rawKeys, ok };
}

type Checked = unknown | { error: string };

function isError(c: Checked): c is { error: string } {
  return typeof c === 'object' && c !== null && !Array.isArray(c) && 'error' in c;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The shape of a number ([]) or a rectangular nested list of finite numbers; undefined for anything else. */
export function constantShape(value: unknown, depth = 0): number[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : undefined;
  if (!Array.isArray(value) || value.length === 0 || depth > 8) return undefined;
  const first = constantShape(value[0], depth + 1);
  if (!first) return undefined;
  for (const item of value.slice(1)) {
    const shape = constantShape(item, depth + 1);
    if (!shape || shape.join() !== first.join()) return undefined;
  }
  return [value.length, ...first];
}

function isInt(v: unknown, min = -Infinity): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

function checkValue(value: unknown, rule: ArgRule, key: string, ctx: NormalizeContext): Checked {
  const got = `got ${describe(value)}`;
  switch (rule.kind) {
    case 'int':
      return isInt(value, rule.min)
        ? value
        : { error: `${key} must be an integer${rule.min !== undefined ? ` >= ${rule.min}` : ''}, ${got}` };
    case 'number': {
      const inRange =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.max === undefined || (rule.maxExclusive ? value < rule.max : value <= rule.max));
      const range =
        rule.min !== undefined && rule.max !== undefined
          ? ` in [${rule.min}, ${rule.max}${rule.maxExclusive ? ')' : ']'}`
          : rule.min !== undefined
            ? ` >= ${rule.min}`
            : '';
      return inRange ? value : { error: `${key} must be a number${range}, ${got}` };
    }
    case 'bool':
      return typeof value === 'boolean' ? value : { error: `${key} must be true or false, ${got}` };
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value)
        ? value
        : { error: `${key} must be one of ${rule.values.map((v) => `"${v}"`).join(', ')}, ${got}` };
    case 'ints': {
      const list = typeof value === 'number' ? new Array<unknown>(rule.length).fill(value) : value;
      const ok = Array.isArray(list) && list.length === rule.length && list.every((v) => isInt(v, rule.min ?? 1));
      return ok
        ? list
        : { error: `${key} must be a positive integer or a list of ${rule.length} positive integers, ${got}` };
    }
    case 'shape': {
      const ok = Array.isArray(value) && value.every((d) => d === null || isInt(d, 1) || (rule.wildcard && d === -1));
      return ok
        ? value.map((d) => (d === -1 ? null : d))
        : { error: `${key} must be a list of positive integers (null for any size), ${got}` };
    }
    case 'activation': {
      const act = resolveActivation(value);
      return act ?? { error: `${key}: unknown activation ${describe(value)} (known: ${ACTIVATION_NAMES.join(', ')})` };
    }
    case 'initializer': {
      const init = parseInitializer(value);
      return typeof init === 'string' ? { error: `${key}: ${init}` } : init;
    }
    case 'regularizer': {
      const reg = parseRegularizer(value);
      return typeof reg === 'string' ? { error: `${key}: ${reg}` } : reg;
    }
    case 'tensor':
      return constantShape(value)
        ? value
        : { error: `${key} must be a number or a rectangular nested list of finite numbers, ${got}` };
    case 'only':
      return JSON.stringify(value) === JSON.stringify(rule.only)
        ? value
        : { error: `${key} must be ${describe(rule.only)} (${rule.why}), ${got}` };
    case 'axis': {
      if (isInt(value)) return value;
      const ok = Array.isArray(value) && value.length > 0 && value.every((v) => isInt(v));
      return ok ? value : { error: `${key} must be an integer axis or a list of axes, ${got}` };
    }
    case 'padding2d':
      return (
        parsePadding2d(value) ?? {
          error: `${key} must be an integer, [height, width] or [[top, bottom], [left, right]] of non-negative integers, ${got}`,
        }
      );
    case 'dtype': {
      const policyName =
        typeof value === 'object' && value !== null ? (value as { config?: { name?: unknown } }).config?.name : value;
      return typeof policyName === 'string' && rule.values.includes(policyName)
        ? policyName
        : {
            error: `${key} must be one of ${rule.values.map((v) => `"${v}"`).join(', ')} (mixed precision is not supported), ${got}`,
          };
    }
    case 'layer': {
      const nested = ctx.parseNested(value, joinPath(ctx.argsPath, key));
      // The nested parser reports its own issues; an empty error keeps this layer marked invalid without a duplicate message.
      return nested ?? { error: '' };
    }
  }
}

function parsePadding2d(value: unknown): number[][] | undefined {
  if (isInt(value, 0))
    return [
      [value, value],
      [value, value],
    ];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  if (value.every((v) => isInt(v, 0)))
    return [
      [value[0], value[0]],
      [value[1], value[1]],
    ];
  const pairs = value.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => isInt(v, 0)));
  return pairs ? (value as number[][]) : undefined;
}
