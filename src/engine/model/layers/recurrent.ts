import * as tf from '@tensorflow/tfjs';
import type { ArgSchema, Args } from '../args.ts';
import {
  COMMON_ARGS,
  REGULARIZER_ARG,
  showShape,
  weightArgs,
  weightOptions,
  type LayerDef,
  type ResolvedLayer,
  type WeightSpec,
} from '../layer-def.ts';
import { layerRuleError } from '../spec-error.ts';
import { ResetAfterGRU } from '../reset-after-gru.ts';
import type { Shape } from '../types.ts';

const unsupported = (why: string) => ({ rule: { kind: 'only', only: false, why }, default: false }) as const;
const DROPOUT = { rule: { kind: 'number', min: 0, max: 1, maxExclusive: true }, default: 0 } as const;

function rnnArgs(gates: 'lstm' | 'gru'): ArgSchema {
  return {
    ...COMMON_ARGS,
    units: { rule: { kind: 'int', min: 1 }, required: true },
    activation: { rule: { kind: 'activation' }, default: 'tanh' },
    // Keras' default; tfjs would otherwise use hard_sigmoid.
    recurrentActivation: { rule: { kind: 'activation' }, default: 'sigmoid' },
    useBias: { rule: { kind: 'bool' }, default: true },
    ...weightArgs({ kernel: 'glorot_uniform', recurrent: 'orthogonal', bias: 'zeros' }),
    activityRegularizer: REGULARIZER_ARG,
    dropout: DROPOUT,
    recurrentDropout: DROPOUT,
    returnSequences: { rule: { kind: 'bool' }, default: false },
    goBackwards: { rule: { kind: 'bool' }, default: false },
    unroll: { rule: { kind: 'bool' }, default: false },
    returnState: unsupported('layers with several outputs are not supported'),
    stateful: unsupported('stateful RNNs are not supported'),
    timeMajor: unsupported('time-major inputs are not supported'),
    // Keras-only performance knobs; they do not change the maths.
    implementation: { rule: { kind: 'int', min: 1 }, nullable: true },
    seed: { rule: { kind: 'int' }, nullable: true },
    // Keras sets this on layers inside Bidirectional; it only matters for masked timesteps, where tfjs repeats
    // the previous output instead of emitting zeros.
    zeroOutputForMask: { rule: { kind: 'bool' }, default: false },
    ...(gates === 'lstm'
      ? { unitForgetBias: { rule: { kind: 'bool' }, default: true } }
      : { resetAfter: { rule: { kind: 'bool' }, default: true } }),
  };
}

function rnnWeights(gates: 'lstm' | 'gru', input: Shape, args: Args): WeightSpec[] {
  const features = input[1];
  if (features === null) throw layerRuleError(`needs a known number of features, got ${showShape(input)}`);
  const n = (gates === 'lstm' ? 4 : 3) * args.units;
  const w: WeightSpec[] = [
    { name: 'kernel', shape: [features, n], trainable: true },
    { name: 'recurrent_kernel', shape: [args.units, n], trainable: true },
  ];
  // reset_after=True keeps separate input and recurrent biases.
  const biasShape = gates === 'gru' && args.resetAfter ? [2, n] : [n];
  return args.useBias ? [...w, { name: 'bias', shape: biasShape, trainable: true }] : w;
}

function rnnDef(type: 'LSTM' | 'GRU'): LayerDef {
  const gates = type === 'LSTM' ? 'lstm' : 'gru';
  return {
    type,
    arity: 'one',
    rank: { min: 2, max: 2, meaning: '(timesteps, features)' },
    args: rnnArgs(gates),
    outputShape: ([input], args) => (args.returnSequences ? [input[0], args.units] : [args.units]),
    weights: ([input], args) => rnnWeights(gates, input, args),
    create: (args, ctx) => {
      const options = {
        name: ctx.name,
        trainable: args.trainable,
        units: args.units,
        activation: args.activation,
        recurrentActivation: args.recurrentActivation,
        useBias: args.useBias,
        dropout: args.dropout,
        recurrentDropout: args.recurrentDropout,
        returnSequences: args.returnSequences,
        goBackwards: args.goBackwards,
        unroll: args.unroll,
        ...weightOptions(ctx, ['kernel', 'recurrent', 'bias']),
      };
      if (gates === 'lstm') return tf.layers.lstm({ ...options, unitForgetBias: args.unitForgetBias });
      // tfjs' own GRU is the reset_after=False variant.
      return args.resetAfter ? new ResetAfterGRU(options) : tf.layers.gru(options);
    },
  };
}

export const LSTM = rnnDef('LSTM');
export const GRU = rnnDef('GRU');

function inner(args: Args): ResolvedLayer {
  const layer = args.layer as ResolvedLayer;
  if (layer.def !== LSTM && layer.def !== GRU)
    throw layerRuleError(`layer must be an LSTM or GRU, got ${layer.def.type}`, 'layer');
  // Keras 3 always writes backward_layer; tfjs derives the backward direction from `layer`, so it must be the mirror image.
  const backward = args.backwardLayer as ResolvedLayer | undefined;
  if (backward) {
    const mirrored = { ...backward.args, goBackwards: !backward.args.goBackwards };
    const same =
      backward.def === layer.def &&
      JSON.stringify(Object.entries(mirrored).sort()) === JSON.stringify(Object.entries(layer.args).sort());
    if (!same)
      throw layerRuleError(
        'backwardLayer must be the same layer as `layer` running backwards; other backward layers are not supported',
        'backwardLayer',
      );
  }
  return layer;
}

export const Bidirectional: LayerDef = {
  type: 'Bidirectional',
  arity: 'one',
  rank: { min: 2, max: 2, meaning: '(timesteps, features)' },
  args: {
    ...COMMON_ARGS,
    layer: { rule: { kind: 'layer' }, required: true },
    backwardLayer: { rule: { kind: 'layer' }, nullable: true },
    mergeMode: { rule: { kind: 'enum', values: ['concat', 'sum', 'mul', 'ave'] }, default: 'concat' },
  },
  outputShape: (inputs, args) => {
    const { def, args: innerArgs } = inner(args);
    const shape = def.outputShape(inputs, innerArgs);
    if (args.mergeMode !== 'concat') return shape;
    return [...shape.slice(0, -1), (shape[shape.length - 1] as number) * 2];
  },
  weights: (inputs, args) => {
    const { def, args: innerArgs } = inner(args);
    const one = def.weights(inputs, innerArgs);
    return ['forward', 'backward'].flatMap((dir) => one.map((w) => ({ ...w, name: `${dir}_${w.name}` })));
  },
  create: (args, ctx) => {
    const { def, args: innerArgs } = inner(args);
    const layer = def.create(innerArgs, ctx.child('forward')) as tf.RNN;
    return tf.layers.bidirectional({ name: ctx.name, trainable: args.trainable, layer, mergeMode: args.mergeMode });
  },
};

export const Embedding: LayerDef = {
  type: 'Embedding',
  arity: 'one',
  rank: { min: 1, meaning: '(sequence length) of integer token ids' },
  args: {
    ...COMMON_ARGS,
    inputDim: { rule: { kind: 'int', min: 1 }, required: true },
    outputDim: { rule: { kind: 'int', min: 1 }, required: true },
    ...weightArgs({ embeddings: 'uniform' }),
    activityRegularizer: REGULARIZER_ARG,
    maskZero: { rule: { kind: 'bool' }, default: false },
    inputLength: { rule: { kind: 'int', min: 1 }, nullable: true },
  },
  outputShape: ([input], args) => {
    if (
      args.inputLength !== undefined &&
      input[input.length - 1] !== null &&
      input[input.length - 1] !== args.inputLength
    ) {
      throw layerRuleError(`inputLength ${args.inputLength} does not match input ${showShape(input)}`, 'inputLength');
    }
    return [...input, args.outputDim];
  },
  weights: (_inputs, args) => [{ name: 'embeddings', shape: [args.inputDim, args.outputDim], trainable: true }],
  create: (args, ctx) =>
    tf.layers.embedding({
      name: ctx.name,
      trainable: args.trainable,
      inputDim: args.inputDim,
      outputDim: args.outputDim,
      maskZero: args.maskZero,
      ...weightOptions(ctx, ['embeddings']),
    }),
};
