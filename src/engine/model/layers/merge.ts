import * as tf from '@tensorflow/tfjs';
import { COMMON_ARGS, showShape, type LayerDef } from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import type { Dim, Shape } from '../types.ts';
import { resolveAxes } from './axis.ts';

/** Elementwise merge shape: equal ranks, and per axis equal sizes, or 1 / unknown which broadcast (as in Keras). */
function elementwiseShape(inputs: Shape[]): Shape {
  const [first] = inputs;
  for (const other of inputs.slice(1)) {
    if (other.length !== first.length)
      throw layerRuleError(`inputs must have the same shape, got ${inputs.map(showShape).join(' and ')}`);
  }
  return first.map((_, axis) => {
    const sizes = inputs.map((s) => s[axis]);
    const known = [...new Set(sizes.filter((d): d is number => d !== null && d !== 1))];
    if (known.length > 1)
      throw layerRuleError(`inputs must have the same shape, got ${inputs.map(showShape).join(' and ')}`);
    if (known.length === 1) return known[0];
    return sizes.includes(null) ? null : 1;
  });
}

function elementwiseDef(type: string, factory: (o: { name: string; trainable: boolean }) => tf.layers.Layer): LayerDef {
  return {
    type,
    arity: 'many',
    rank: { min: 0 },
    args: { ...COMMON_ARGS },
    outputShape: elementwiseShape,
    weights: () => [],
    create: (args, ctx) => factory({ name: ctx.name, trainable: args.trainable }),
  };
}

export const Add = elementwiseDef('Add', tf.layers.add);
export const Multiply = elementwiseDef('Multiply', tf.layers.multiply);
export const Average = elementwiseDef('Average', tf.layers.average);
export const Maximum = elementwiseDef('Maximum', tf.layers.maximum);
export const Minimum = elementwiseDef('Minimum', tf.layers.minimum);

export const Concatenate: LayerDef = {
  type: 'Concatenate',
  arity: 'many',
  rank: { min: 1 },
  args: { ...COMMON_ARGS, axis: { rule: { kind: 'int' }, default: -1 } },
  outputShape: (inputs, args) => {
    const [first] = inputs;
    if (inputs.some((s) => s.length !== first.length)) {
      throw layerRuleError(`inputs must have the same rank, got ${inputs.map(showShape).join(' and ')}`);
    }
    const [axis] = resolveAxes(args.axis, first);
    return first.map((_, i): Dim => {
      const sizes = inputs.map((s) => s[i]);
      if (i === axis - 1) return sizes.includes(null) ? null : (sizes as number[]).reduce((a, b) => a + b, 0);
      const known = [...new Set(sizes.filter((d) => d !== null))];
      if (known.length > 1) {
        throw layerRuleError(
          `inputs must match on every axis except the concatenation axis ${args.axis}, got ${inputs.map(showShape).join(' and ')}`,
        );
      }
      return known.length === 1 ? known[0] : null;
    });
  },
  weights: () => [],
  create: (args, ctx) => tf.layers.concatenate({ name: ctx.name, trainable: args.trainable, axis: args.axis }),
};
