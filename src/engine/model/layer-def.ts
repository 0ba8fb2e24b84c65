import type * as tf from '@tensorflow/tfjs';
import type { ArgSchema, ArgSpec, Args } from './args.ts';
import { parseInitializer, type InitializerSpec, type TfInitializer } from './initializers.ts';
import type { TfRegularizer } from './regularizers.ts';
import type { Shape } from './types.ts';

/** A weight a layer will create, known before building it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  trainable: boolean;
}

/** What a layer factory needs besides its arguments. */
export interface CreateContext {
  name: string;
  /** Shapes of the layer's inputs (without batch), as validated. */
  inputShapes: Shape[];
  /** The tfjs initializer for an initializer argument, seeded per layer and argument when the model has a seed. */
  initializer(argName: string): TfInitializer | undefined;
  regularizer(argName: string): TfRegularizer | undefined;
  /** Context for a layer nested inside this one (Bidirectional's inner RNN). */
  child(suffix: string): CreateContext;
}

/** Input rank constraint, counted without the batch axis; `meaning` documents the expected axes in errors. */
export interface RankRule {
  min: number;
  max?: number;
  meaning?: string;
}

/** Everything Kiln knows about one Keras layer type: arguments, shape rule, weights and the tfjs factory. */
export interface LayerDef {
  type: string;
  args: ArgSchema;
  /** 'many' for merge layers (Add, Concatenate, ...), which take two or more inputs. */
  arity: 'one' | 'many';
  rank: RankRule;
  /** Output shape without batch axis; throws LayerRuleError on incompatible inputs or arguments. */
  outputShape(inputs: Shape[], args: Args): Shape;
  /** The weights the layer creates for these input shapes, without allocating them. */
  weights(inputs: Shape[], args: Args): WeightSpec[];
  create(args: Args, ctx: CreateContext): tf.layers.Layer;
}

/** A layer whose arguments have been validated (used for Bidirectional's nested layer). */
export interface ResolvedLayer {
  def: LayerDef;
  args: Args;
}

/** Arguments every layer accepts. */
export const COMMON_ARGS: ArgSchema = {
  trainable: { rule: { kind: 'bool' }, default: true },
  dtype: { rule: { kind: 'dtype', values: ['float32'] }, nullable: true },
};

/** An initializer argument with its Keras default. */
export function initializerArg(keras: string): ArgSpec {
  return { rule: { kind: 'initializer' }, default: parseInitializer(keras) as InitializerSpec };
}

export const REGULARIZER_ARG: ArgSpec = { rule: { kind: 'regularizer' }, nullable: true };
const CONSTRAINT_ARG: ArgSpec = {
  rule: { kind: 'only', only: null, why: 'weight constraints are not supported yet' },
  nullable: true,
};
export const DATA_FORMAT_ARG: ArgSpec = {
  rule: { kind: 'only', only: 'channels_last', why: 'only channels_last is supported' },
  nullable: true,
};

/** Initializer, regularizer and constraint arguments for each named weight (e.g. kernel, bias), with Keras defaults. */
export function weightArgs(defaults: Record<string, string>): ArgSchema {
  const schema: Record<string, ArgSpec> = {};
  for (const [weight, init] of Object.entries(defaults)) {
    schema[`${weight}Initializer`] = initializerArg(init);
    schema[`${weight}Regularizer`] = REGULARIZER_ARG;
    schema[`${weight}Constraint`] = CONSTRAINT_ARG;
  }
  return schema;
}

/** tfjs options for the given weights' initializers and regularizers, plus the layer's activity regularizer. */
export function weightOptions(ctx: CreateContext, weights: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = { activityRegularizer: ctx.regularizer('activityRegularizer') };
  for (const w of weights) {
    options[`${w}Initializer`] = ctx.initializer(`${w}Initializer`);
    options[`${w}Regularizer`] = ctx.regularizer(`${w}Regularizer`);
  }
  return options;
}

/** Product of known dims; null if any dim is unknown. */
export function product(shape: Shape): number | null {
  let n = 1;
  for (const d of shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** Renders a shape without batch axis for messages, e.g. "[26, 26, null]". */
export function showShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}
