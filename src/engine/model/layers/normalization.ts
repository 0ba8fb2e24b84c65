import * as tf from '@tensorflow/tfjs';
import {
  COMMON_ARGS,
  initializerArg,
  weightArgs,
  weightOptions,
  type LayerDef,
  type WeightSpec,
} from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import { knownDimsAt, resolveAxes } from './axis.ts';

const EPSILON = { rule: { kind: 'number', min: 0 }, default: 0.001 } as const;
const FLAG = { rule: { kind: 'bool' }, default: true } as const;

function affineWeights(dims: number[], center: boolean, scale: boolean): WeightSpec[] {
  const w: WeightSpec[] = [];
  if (scale) w.push({ name: 'gamma', shape: dims, trainable: true });
  if (center) w.push({ name: 'beta', shape: dims, trainable: true });
  return w;
}

export const BatchNormalization: LayerDef = {
  type: 'BatchNormalization',
  arity: 'one',
  rank: { min: 1 },
  args: {
    ...COMMON_ARGS,
    axis: { rule: { kind: 'axis' }, default: -1 },
    momentum: { rule: { kind: 'number', min: 0, max: 1 }, default: 0.99 },
    epsilon: EPSILON,
    center: FLAG,
    scale: FLAG,
    ...weightArgs({ beta: 'zeros', gamma: 'ones' }),
    movingMeanInitializer: initializerArg('zeros'),
    movingVarianceInitializer: initializerArg('ones'),
    // Keras 3 writes its renormalization arguments into every config, renorm_momentum with a value:
    // inert (and accepted) while renorm is off, which is the only way Kiln builds it.
    renorm: { rule: { kind: 'only', only: false, why: 'batch renormalization is not supported' }, default: false },
    renormClipping: {
      rule: { kind: 'only', only: null, why: 'batch renormalization is not supported' },
      nullable: true,
    },
    renormMomentum: { rule: { kind: 'number', min: 0, max: 1 }, default: 0.99 },
  },
  outputShape: ([input], args) => {
    // tfjs normalizes over one axis only; Keras 2 writes it as a one-element list.
    if (resolveAxes(args.axis, input).length !== 1) throw layerRuleError('axis must be a single axis', 'axis');
    return input;
  },
  weights: ([input], args) => {
    const dims = knownDimsAt(input, resolveAxes(args.axis, input));
    return [
      ...affineWeights(dims, args.center, args.scale),
      { name: 'moving_mean', shape: dims, trainable: false },
      { name: 'moving_variance', shape: dims, trainable: false },
    ];
  },
  create: (args, ctx) => {
    const layer = tf.layers.batchNormalization({
      name: ctx.name,
      trainable: args.trainable,
      axis: Array.isArray(args.axis) ? args.axis[0] : args.axis,
      momentum: args.momentum,
      epsilon: args.epsilon,
      center: args.center,
      scale: args.scale,
      betaInitializer: ctx.initializer('betaInitializer'),
      gammaInitializer: ctx.initializer('gammaInitializer'),
      movingMeanInitializer: ctx.initializer('movingMeanInitializer'),
      movingVarianceInitializer: ctx.initializer('movingVarianceInitializer'),
      betaRegularizer: ctx.regularizer('betaRegularizer'),
      gammaRegularizer: ctx.regularizer('gammaRegularizer'),
    });
    // Keras: a frozen BatchNormalization (trainable false, e.g. the base of a transfer run) normalizes
    // with its moving statistics even while the model trains, and does not update them. tfjs uses the
    // batch's statistics whenever `training` is set; this instance says `training` only when it trains.
    const call = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: kwargs.training === true && layer.trainable });
    return layer;
  },
};

export const LayerNormalization: LayerDef = {
  type: 'LayerNormalization',
  arity: 'one',
  rank: { min: 1 },
  args: {
    ...COMMON_ARGS,
    axis: { rule: { kind: 'axis' }, default: -1 },
    epsilon: EPSILON,
    center: FLAG,
    scale: FLAG,
    ...weightArgs({ beta: 'zeros', gamma: 'ones' }),
  },
  outputShape: ([input], args) => {
    resolveAxes(args.axis, input);
    return input;
  },
  weights: ([input], args) => affineWeights(knownDimsAt(input, resolveAxes(args.axis, input)), args.center, args.scale),
  create: (args, ctx) => {
    const { activityRegularizer: _unused, ...options } = weightOptions(ctx, ['beta', 'gamma']);
    return tf.layers.layerNormalization({
      name: ctx.name,
      trainable: args.trainable,
      axis: args.axis,
      epsilon: args.epsilon,
      center: args.center,
      scale: args.scale,
      ...options,
    });
  },
};
