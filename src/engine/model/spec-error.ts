import { KilnError, type Issue } from '../../domain/errors.ts';

/** What buildModel throws when the spec does not validate: the same issue list validateModelSpec returns. */
export function modelSpecError(issues: Issue[]): KilnError {
  return new KilnError(
    'invalid_spec',
    `invalid model spec: ${issues.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    { issues },
  );
}

const LAYER_RULE = 'layer_rule';

/**
 * Thrown inside shape/weight rules; `arg` names the offending argument so the analyzer can point the
 * issue's path at it (it catches these and reports them as issues of the model spec).
 */
export function layerRuleError(message: string, arg?: string): KilnError {
  return new KilnError(LAYER_RULE, message, { details: { arg } });
}

/** The argument a layer rule named, when `error` is a layer rule's (else undefined: not ours to report). */
export function layerRuleArg(error: unknown): { arg?: string } | undefined {
  return error instanceof KilnError && error.code === LAYER_RULE ? (error.details as { arg?: string }) : undefined;
}

/**
 * Whether `model.layers[i]` of a native or transfer spec is a layer at all (an object with a `type`);
 * when it is not, says so in `issues`.
 */
export function isLayerEntry(
  layer: unknown,
  i: number,
  issues: Issue[],
): layer is Record<string, unknown> & { type: string } {
  if (
    typeof layer === 'object' &&
    layer !== null &&
    !Array.isArray(layer) &&
    typeof (layer as { type?: unknown }).type === 'string'
  )
    return true;
  issues.push({
    path: `model.layers[${i}]`,
    message: `layer ${i}: must be an object with a "type", e.g. {"type": "Dense", "units": 10}`,
  });
  return false;
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
