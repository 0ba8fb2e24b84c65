import type { SpecIssue } from './types.ts';

/** Thrown by buildModel when the spec does not validate; carries the same issue list validateModelSpec returns. */
export class ModelSpecError extends Error {
  readonly errors: SpecIssue[];
  constructor(errors: SpecIssue[]) {
    super(`invalid model spec: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'ModelSpecError';
    this.errors = errors;
  }
}

/** Thrown inside shape/weight rules; `arg` names the offending argument so the path can point at it. */
export class LayerRuleError extends Error {
  readonly arg?: string;
  constructor(message: string, arg?: string) {
    super(message);
    this.arg = arg;
  }
}

/** How messages refer to a layer, e.g. `layer "c1" (Conv2D)`. */
export function layerLabel(name: string, type: string): string {
  return `layer "${name}" (${type})`;
}

/** Appends a property access to a JSON path, quoting keys that are not identifiers. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}
