import { showShape } from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import type { Shape } from '../types.ts';

/**
 * Resolves Keras axes (batch axis = 0, negatives count from the end) against an input shape given without batch;
 * returns positive batch-inclusive indices. The batch axis itself is rejected.
 */
export function resolveAxes(axis: number | number[], input: Shape, arg = 'axis'): number[] {
  const rank = input.length + 1;
  return (Array.isArray(axis) ? axis : [axis]).map((a) => {
    const resolved = a < 0 ? a + rank : a;
    if (resolved <= 0 || resolved >= rank) {
      throw layerRuleError(
        `${arg} ${a} is out of range for input ${showShape(input)} (the batch axis cannot be used)`,
        arg,
      );
    }
    return resolved;
  });
}

/** The input dims at the given batch-inclusive axes; they must be known because weights are sized by them. */
export function knownDimsAt(input: Shape, axes: number[], arg = 'axis'): number[] {
  return axes.map((a) => {
    const d = input[a - 1];
    if (d === null) throw layerRuleError(`needs a known size on axis ${a}, got input ${showShape(input)}`, arg);
    return d;
  });
}
