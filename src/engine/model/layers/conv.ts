import * as tf from '@tensorflow/tfjs';
import type { ArgSchema, Args } from '../args.ts';
import {
  COMMON_ARGS,
  DATA_FORMAT_ARG,
  REGULARIZER_ARG,
  showShape,
  weightArgs,
  weightOptions,
  type LayerDef,
  type WeightSpec,
} from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import type { Shape } from '../types.ts';
import { transposedOutputLength, windowOutputLength } from './window.ts';

type ConvKind = 'conv' | 'depthwise' | 'separable' | 'transpose';

const RANK_MEANING: Record<number, string> = { 1: '(steps, channels)', 2: '(height, width, channels)' };

function convArgs(kind: ConvKind, spatial: number): ArgSchema {
  const ints = { kind: 'ints', length: spatial } as const;
  const schema: ArgSchema = {
    ...COMMON_ARGS,
    kernelSize: { rule: ints, required: true },
    strides: { rule: ints, default: new Array(spatial).fill(1) },
    // tfjs 4.22 has no causal padding (its Conv1D throws at run time), so only these two are offered.
    padding: { rule: { kind: 'enum', values: ['valid', 'same'] }, default: 'valid' },
    dataFormat: DATA_FORMAT_ARG,
    dilationRate:
      kind === 'transpose'
        ? {
            rule: { kind: 'only', only: new Array(spatial).fill(1), why: 'tfjs has no dilated transposed convolution' },
            default: new Array(spatial).fill(1),
          }
        : { rule: ints, default: new Array(spatial).fill(1) },
    activation: { rule: { kind: 'activation' }, default: 'linear' },
    useBias: { rule: { kind: 'bool' }, default: true },
    activityRegularizer: REGULARIZER_ARG,
  };
  const filters = { filters: { rule: { kind: 'int', min: 1 }, required: true } } as const;
  const depthMultiplier = { depthMultiplier: { rule: { kind: 'int', min: 1 }, default: 1 } } as const;
  const groups = {
    groups: { rule: { kind: 'only', only: 1, why: 'grouped convolutions are not supported' }, default: 1 },
  } as const;
  switch (kind) {
    case 'conv':
      return { ...schema, ...filters, ...groups, ...weightArgs({ kernel: 'glorot_uniform', bias: 'zeros' }) };
    case 'transpose':
      return {
        ...schema,
        ...filters,
        ...groups,
        ...weightArgs({ kernel: 'glorot_uniform', bias: 'zeros' }),
        outputPadding: { rule: { kind: 'only', only: null, why: 'output_padding is not supported' }, nullable: true },
      };
    case 'depthwise':
      // Keras 2 writes `groups: 1` for DepthwiseConv2D too (inherited from Conv).
      return {
        ...schema,
        ...depthMultiplier,
        ...groups,
        ...weightArgs({ depthwise: 'glorot_uniform', bias: 'zeros' }),
      };
    case 'separable':
      return {
        ...schema,
        ...filters,
        ...depthMultiplier,
        ...weightArgs({ depthwise: 'glorot_uniform', pointwise: 'glorot_uniform', bias: 'zeros' }),
      };
  }
}

function inputChannels(input: Shape): number {
  const c = input[input.length - 1];
  if (c === null) throw layerRuleError(`needs a known number of input channels, got ${showShape(input)}`);
  return c;
}

function outputChannels(kind: ConvKind, args: Args, cin: number): number {
  return kind === 'depthwise' ? cin * args.depthMultiplier : args.filters;
}

function convWeights(kind: ConvKind, input: Shape, args: Args): WeightSpec[] {
  const cin = inputChannels(input);
  const k: number[] = args.kernelSize;
  const cout = outputChannels(kind, args, cin);
  const w = (name: string, shape: number[]) => ({ name, shape, trainable: true });
  const kernels: Record<ConvKind, WeightSpec[]> = {
    conv: [w('kernel', [...k, cin, cout])],
    transpose: [w('kernel', [...k, cout, cin])],
    depthwise: [w('depthwise_kernel', [...k, cin, args.depthMultiplier])],
    separable: [
      w('depthwise_kernel', [...k, cin, args.depthMultiplier]),
      w('pointwise_kernel', [...k.map(() => 1), cin * args.depthMultiplier, cout]),
    ],
  };
  return args.useBias ? [...kernels[kind], w('bias', [cout])] : kernels[kind];
}

function convOutputShape(kind: ConvKind, input: Shape, args: Args): Shape {
  const spatial = input.slice(0, -1);
  const strides: number[] = args.strides;
  const dilation: number[] = args.dilationRate;
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    throw layerRuleError('strides > 1 cannot be combined with dilationRate > 1', 'dilationRate');
  }
  const out = spatial.map((d, i) =>
    kind === 'transpose'
      ? transposedOutputLength(d, args.kernelSize[i], strides[i], args.padding)
      : windowOutputLength(d, args.kernelSize[i], strides[i], dilation[i], args.padding),
  );
  if (out.some((d) => d !== null && d <= 0)) {
    throw layerRuleError(
      `kernelSize ${showShape(args.kernelSize)} does not fit input ${showShape(input)} with padding "${args.padding}"`,
      'kernelSize',
    );
  }
  return [...out, outputChannels(kind, args, inputChannels(input))];
}

function createConv(
  kind: ConvKind,
  spatial: number,
  args: Args,
  ctx: Parameters<LayerDef['create']>[1],
): tf.layers.Layer {
  const common = {
    name: ctx.name,
    trainable: args.trainable,
    kernelSize: args.kernelSize,
    strides: args.strides,
    padding: args.padding,
    dilationRate: args.dilationRate,
    activation: args.activation,
    useBias: args.useBias,
  };
  switch (kind) {
    case 'conv': {
      const options = { ...common, filters: args.filters, ...weightOptions(ctx, ['kernel', 'bias']) };
      return spatial === 1 ? tf.layers.conv1d(options) : tf.layers.conv2d(options);
    }
    case 'transpose':
      return tf.layers.conv2dTranspose({ ...common, filters: args.filters, ...weightOptions(ctx, ['kernel', 'bias']) });
    case 'depthwise':
      return tf.layers.depthwiseConv2d({
        ...common,
        depthMultiplier: args.depthMultiplier,
        ...weightOptions(ctx, ['depthwise', 'bias']),
      });
    case 'separable':
      return tf.layers.separableConv2d({
        ...common,
        filters: args.filters,
        depthMultiplier: args.depthMultiplier,
        ...weightOptions(ctx, ['depthwise', 'pointwise', 'bias']),
      });
  }
}

function convDef(type: string, kind: ConvKind, spatial: number): LayerDef {
  return {
    type,
    arity: 'one',
    rank: { min: spatial + 1, max: spatial + 1, meaning: RANK_MEANING[spatial] },
    args: convArgs(kind, spatial),
    outputShape: ([input], args) => convOutputShape(kind, input, args),
    weights: ([input], args) => convWeights(kind, input, args),
    create: (args, ctx) => createConv(kind, spatial, args, ctx),
  };
}

export const Conv1D = convDef('Conv1D', 'conv', 1);
export const Conv2D = convDef('Conv2D', 'conv', 2);
export const DepthwiseConv2D = convDef('DepthwiseConv2D', 'depthwise', 2);
export const SeparableConv2D = convDef('SeparableConv2D', 'separable', 2);
export const Conv2DTranspose = convDef('Conv2DTranspose', 'transpose', 2);

export const ZeroPadding2D: LayerDef = {
  type: 'ZeroPadding2D',
  arity: 'one',
  rank: { min: 3, max: 3, meaning: RANK_MEANING[2] },
  args: {
    ...COMMON_ARGS,
    padding: {
      rule: { kind: 'padding2d' },
      default: [
        [1, 1],
        [1, 1],
      ],
    },
    dataFormat: DATA_FORMAT_ARG,
  },
  outputShape: ([input], args) => {
    const [[top, bottom], [left, right]] = args.padding as number[][];
    const [h, w, c] = input;
    return [h === null ? null : h + top + bottom, w === null ? null : w + left + right, c];
  },
  weights: () => [],
  create: (args, ctx) =>
    tf.layers.zeroPadding2d({
      name: ctx.name,
      trainable: args.trainable,
      padding: args.padding as [[number, number], [number, number]],
    }),
};
