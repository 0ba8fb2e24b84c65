import * as tf from '@tensorflow/tfjs';
import { COMMON_ARGS, DATA_FORMAT_ARG, showShape, type LayerDef } from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import { windowOutputLength } from './window.ts';

const RANK_MEANING: Record<number, string> = { 1: '(steps, channels)', 2: '(height, width, channels)' };

const FACTORIES = {
  max: { 1: tf.layers.maxPooling1d, 2: tf.layers.maxPooling2d },
  average: { 1: tf.layers.averagePooling1d, 2: tf.layers.averagePooling2d },
} as const;

function poolDef(type: string, op: 'max' | 'average', spatial: 1 | 2): LayerDef {
  const ints = { kind: 'ints', length: spatial } as const;
  return {
    type,
    arity: 'one',
    rank: { min: spatial + 1, max: spatial + 1, meaning: RANK_MEANING[spatial] },
    args: {
      ...COMMON_ARGS,
      poolSize: { rule: ints, default: new Array(spatial).fill(2) },
      // Keras: strides default to the pool size.
      strides: { rule: ints, nullable: true },
      padding: { rule: { kind: 'enum', values: ['valid', 'same'] }, default: 'valid' },
      dataFormat: DATA_FORMAT_ARG,
    },
    outputShape: ([input], args) => {
      const strides: number[] = args.strides ?? args.poolSize;
      const out = input
        .slice(0, -1)
        .map((d, i) => windowOutputLength(d, args.poolSize[i], strides[i], 1, args.padding));
      if (out.some((d) => d !== null && d <= 0)) {
        throw layerRuleError(
          `poolSize ${showShape(args.poolSize)} does not fit input ${showShape(input)} with padding "${args.padding}"`,
          'poolSize',
        );
      }
      return [...out, input[input.length - 1]];
    },
    weights: () => [],
    create: (args, ctx) => {
      const options = {
        name: ctx.name,
        trainable: args.trainable,
        poolSize: args.poolSize,
        strides: args.strides ?? args.poolSize,
        padding: args.padding,
      };
      // tfjs' 1-D pooling takes scalars, its 2-D pooling takes pairs.
      return spatial === 1
        ? FACTORIES[op][1]({ ...options, poolSize: args.poolSize[0], strides: options.strides[0] })
        : FACTORIES[op][2](options);
    },
  };
}

function globalPoolDef(type: string, op: 'max' | 'average', spatial: 1 | 2): LayerDef {
  const factories = {
    max: { 1: tf.layers.globalMaxPooling1d, 2: tf.layers.globalMaxPooling2d },
    average: { 1: tf.layers.globalAveragePooling1d, 2: tf.layers.globalAveragePooling2d },
  } as const;
  return {
    type,
    arity: 'one',
    rank: { min: spatial + 1, max: spatial + 1, meaning: RANK_MEANING[spatial] },
    args: {
      ...COMMON_ARGS,
      dataFormat: DATA_FORMAT_ARG,
      keepdims: { rule: { kind: 'only', only: false, why: 'keepdims is not supported' }, default: false },
    },
    outputShape: ([input]) => [input[input.length - 1]],
    weights: () => [],
    create: (args, ctx) => factories[op][spatial]({ name: ctx.name, trainable: args.trainable }),
  };
}

export const MaxPooling1D = poolDef('MaxPooling1D', 'max', 1);
export const MaxPooling2D = poolDef('MaxPooling2D', 'max', 2);
export const AveragePooling1D = poolDef('AveragePooling1D', 'average', 1);
export const AveragePooling2D = poolDef('AveragePooling2D', 'average', 2);
export const GlobalMaxPooling1D = globalPoolDef('GlobalMaxPooling1D', 'max', 1);
export const GlobalMaxPooling2D = globalPoolDef('GlobalMaxPooling2D', 'max', 2);
export const GlobalAveragePooling1D = globalPoolDef('GlobalAveragePooling1D', 'average', 1);
export const GlobalAveragePooling2D = globalPoolDef('GlobalAveragePooling2D', 'average', 2);
