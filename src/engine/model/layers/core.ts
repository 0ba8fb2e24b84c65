import * as tf from '@tensorflow/tfjs';
import type { Args } from '../args.ts';
import { constantShape } from '../args.ts';
import { ConstantNormalization, KerasReLU, SpatialDropout2D } from '../custom-layers.ts';
import {
  COMMON_ARGS,
  DATA_FORMAT_ARG,
  REGULARIZER_ARG,
  product,
  showShape,
  weightArgs,
  weightOptions,
  type LayerDef,
} from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import type { Shape } from '../types.ts';
import { resolveAxes } from './axis.ts';

const same = (inputs: Shape[]): Shape => inputs[0];
const none = () => [];
const base = (ctx: { name: string }, args: Args) => ({ name: ctx.name, trainable: args.trainable });

/** Keras Dense; like Keras it applies to the last axis of inputs of any rank. */
export const Dense: LayerDef = {
  type: 'Dense',
  arity: 'one',
  rank: { min: 1 },
  args: {
    ...COMMON_ARGS,
    units: { rule: { kind: 'int', min: 1 }, required: true },
    activation: { rule: { kind: 'activation' }, default: 'linear' },
    useBias: { rule: { kind: 'bool' }, default: true },
    ...weightArgs({ kernel: 'glorot_uniform', bias: 'zeros' }),
    activityRegularizer: REGULARIZER_ARG,
  },
  outputShape: ([input], args) => {
    if (input[input.length - 1] === null)
      throw layerRuleError(`needs a known last input dimension, got ${showShape(input)}`);
    return [...input.slice(0, -1), args.units];
  },
  weights: ([input], args) => {
    const inDim = input[input.length - 1] as number;
    const w = [{ name: 'kernel', shape: [inDim, args.units], trainable: true }];
    return args.useBias ? [...w, { name: 'bias', shape: [args.units], trainable: true }] : w;
  },
  create: (args, ctx) =>
    tf.layers.dense({
      ...base(ctx, args),
      units: args.units,
      activation: args.activation,
      useBias: args.useBias,
      ...weightOptions(ctx, ['kernel', 'bias']),
    }),
};

export const Flatten: LayerDef = {
  type: 'Flatten',
  arity: 'one',
  rank: { min: 1 },
  args: { ...COMMON_ARGS, dataFormat: DATA_FORMAT_ARG },
  outputShape: ([input]) => [product(input)],
  weights: none,
  create: (args, ctx) => tf.layers.flatten(base(ctx, args)),
};

export const Reshape: LayerDef = {
  type: 'Reshape',
  arity: 'one',
  rank: { min: 1 },
  args: { ...COMMON_ARGS, targetShape: { rule: { kind: 'shape', wildcard: true }, required: true } },
  outputShape: ([input], args) => {
    // The shape rule turns Keras' -1 wildcard into null.
    const target = args.targetShape as Shape;
    const inSize = product(input);
    const known = product(target.filter((d) => d !== null));
    const wildcards = target.filter((d) => d === null).length;
    if (wildcards > 1)
      throw layerRuleError('targetShape may contain at most one unknown (-1 or null) dimension', 'targetShape');
    if (inSize === null) return target;
    if (wildcards === 1) {
      if (known === null || inSize % known !== 0)
        throw layerRuleError(
          `cannot reshape ${showShape(input)} (${inSize} values) to ${showShape(target)}`,
          'targetShape',
        );
      return target.map((d) => (d === null ? inSize / (known as number) : d));
    }
    if (known !== inSize)
      throw layerRuleError(
        `cannot reshape ${showShape(input)} (${inSize} values) to ${showShape(target)} (${known} values)`,
        'targetShape',
      );
    return target;
  },
  weights: none,
  // tfjs leaves a -1 unresolved in its symbolic shapes, which breaks layers after it; pass the resolved shape instead.
  create: (args, ctx) => {
    const resolved = Reshape.outputShape(ctx.inputShapes, args);
    return tf.layers.reshape({ ...base(ctx, args), targetShape: resolved.map((d) => d ?? -1) });
  },
};

const RATE = { rule: { kind: 'number', min: 0, max: 1, maxExclusive: true }, required: true } as const;
const SEED = { rule: { kind: 'int' }, nullable: true } as const;

export const Dropout: LayerDef = {
  type: 'Dropout',
  arity: 'one',
  rank: { min: 0 },
  args: {
    ...COMMON_ARGS,
    rate: RATE,
    seed: SEED,
    noiseShape: { rule: { kind: 'only', only: null, why: 'custom noise shapes are not supported' }, nullable: true },
  },
  outputShape: same,
  weights: none,
  create: (args, ctx) => tf.layers.dropout({ ...base(ctx, args), rate: args.rate, seed: args.seed }),
};

export const SpatialDropout2DDef: LayerDef = {
  type: 'SpatialDropout2D',
  arity: 'one',
  rank: { min: 3, max: 3, meaning: '(height, width, channels)' },
  args: { ...COMMON_ARGS, rate: RATE, seed: SEED, dataFormat: DATA_FORMAT_ARG },
  outputShape: same,
  weights: none,
  create: (args, ctx) => new SpatialDropout2D({ ...base(ctx, args), rate: args.rate, seed: args.seed }),
};

export const Activation: LayerDef = {
  type: 'Activation',
  arity: 'one',
  rank: { min: 0 },
  args: { ...COMMON_ARGS, activation: { rule: { kind: 'activation' }, required: true } },
  outputShape: same,
  weights: none,
  create: (args, ctx) => tf.layers.activation({ ...base(ctx, args), activation: args.activation }),
};

export const ReLU: LayerDef = {
  type: 'ReLU',
  arity: 'one',
  rank: { min: 0 },
  args: {
    ...COMMON_ARGS,
    maxValue: { rule: { kind: 'number', min: 0 }, nullable: true },
    negativeSlope: { rule: { kind: 'number', min: 0 }, default: 0 },
    threshold: { rule: { kind: 'number' }, default: 0 },
  },
  outputShape: same,
  weights: none,
  // tfjs' own ReLU layer covers the common case and keeps saved models loadable without Kiln.
  create: (args, ctx) =>
    args.negativeSlope === 0 && args.threshold === 0
      ? tf.layers.reLU({ ...base(ctx, args), maxValue: args.maxValue })
      : new KerasReLU({
          ...base(ctx, args),
          maxValue: args.maxValue,
          negativeSlope: args.negativeSlope,
          threshold: args.threshold,
        }),
};

export const LeakyReLU: LayerDef = {
  type: 'LeakyReLU',
  arity: 'one',
  rank: { min: 0 },
  // Keras 2 calls the slope `alpha`, Keras 3 `negative_slope`; both default to 0.3.
  args: {
    ...COMMON_ARGS,
    alpha: { rule: { kind: 'number', min: 0 } },
    negativeSlope: { rule: { kind: 'number', min: 0 } },
  },
  outputShape: same,
  weights: none,
  create: (args, ctx) => tf.layers.leakyReLU({ ...base(ctx, args), alpha: args.negativeSlope ?? args.alpha ?? 0.3 }),
};

export const Softmax: LayerDef = {
  type: 'Softmax',
  arity: 'one',
  rank: { min: 1 },
  args: { ...COMMON_ARGS, axis: { rule: { kind: 'int' }, default: -1 } },
  outputShape: ([input], args) => {
    if (args.axis === 0 || args.axis > input.length || args.axis < -input.length)
      throw layerRuleError(`axis ${args.axis} is out of range for input ${showShape(input)}`, 'axis');
    return input;
  },
  weights: none,
  create: (args, ctx) => tf.layers.softmax({ ...base(ctx, args), axis: args.axis }),
};

export const Rescaling: LayerDef = {
  type: 'Rescaling',
  arity: 'one',
  rank: { min: 0 },
  args: {
    ...COMMON_ARGS,
    scale: { rule: { kind: 'number' }, required: true },
    offset: { rule: { kind: 'number' }, default: 0 },
  },
  outputShape: same,
  weights: none,
  create: (args, ctx) => tf.layers.rescaling({ ...base(ctx, args), scale: args.scale, offset: args.offset }),
};

/** Keras' Normalization given its statistics (a model's input standardization); adapting to data is not supported. */
export const Normalization: LayerDef = {
  type: 'Normalization',
  arity: 'one',
  rank: { min: 1 },
  args: {
    ...COMMON_ARGS,
    axis: { rule: { kind: 'axis' }, default: -1 },
    mean: { rule: { kind: 'tensor' }, required: true },
    variance: { rule: { kind: 'tensor' }, required: true },
    invert: { rule: { kind: 'only', only: false, why: 'the inverse normalization is not supported' }, default: false },
  },
  outputShape: ([input], args) => {
    const axes = resolveAxes(args.axis, input);
    const kept = input.filter((_, i) => axes.includes(i + 1)) as (number | null)[];
    for (const [key, value] of [
      ['mean', args.mean],
      ['variance', args.variance],
    ] as const) {
      const shape = constantShape(value)!;
      const size = shape.reduce((a, b) => a * b, 1);
      const want = kept.reduce<number>((a, b) => a * (b ?? 1), 1);
      if (shape.length > 0 && (kept.includes(null) || size !== want)) {
        throw layerRuleError(
          `${key} has ${size} values but the input ${showShape(input)} needs ${want} over axis ${JSON.stringify(args.axis)}`,
          key,
        );
      }
    }
    return input;
  },
  weights: none,
  create: (args, ctx) =>
    new ConstantNormalization({
      ...base(ctx, args),
      axis: resolveAxes(args.axis, ctx.inputShapes[0]!),
      mean: args.mean,
      variance: args.variance,
    }),
};
