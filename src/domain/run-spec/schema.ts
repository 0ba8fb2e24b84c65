import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_RUN_PRIORITY } from '../priority.ts';

/**
 * The run spec of POST /runs, declared once: Fastify validates requests with it, OpenAPI documents
 * it, and the job payload carries the same type to the worker and the engine. Deep checks of the model graph (layer arguments, shapes)
 * are the model module's job; this schema checks the envelope.
 */

const Strict = { additionalProperties: false } as const;
const PerOutput = <T extends TSchema>(schema: T) => Type.Record(Type.String({ minLength: 1 }), schema);

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'adamax', 'rmsprop', 'adagrad', 'adadelta'] as const;

const ScheduleEnvelope = {
  // What keras.optimizers.schedules.serialize writes along.
  module: Type.Optional(Type.String()),
  registeredName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const ScheduleName = Type.Optional(Type.Union([Type.String(), Type.Null()]));

/**
 * Keras' learning-rate schedules, as keras.optimizers.schedules.serialize writes them (snake_case
 * normalised), as an optimizer's learning rate. The step is the optimizer's iteration count (saved in
 * checkpoints). Cross-field rules (values one longer than boundaries, increasing boundaries) are
 * validateRunSpec's.
 */
export const LearningRateSchedule = Type.Union([
  Type.Object(
    {
      className: Type.Literal('ExponentialDecay'),
      config: Type.Object(
        {
          initialLearningRate: Type.Number({ exclusiveMinimum: 0 }),
          decaySteps: Type.Number({ exclusiveMinimum: 0 }),
          decayRate: Type.Number({ exclusiveMinimum: 0 }),
          staircase: Type.Optional(Type.Boolean()),
          name: ScheduleName,
        },
        Strict,
      ),
      ...ScheduleEnvelope,
    },
    Strict,
  ),
  Type.Object(
    {
      className: Type.Literal('CosineDecay'),
      config: Type.Object(
        {
          initialLearningRate: Type.Number({ minimum: 0 }),
          decaySteps: Type.Number({ exclusiveMinimum: 0 }),
          alpha: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          warmupTarget: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
          warmupSteps: Type.Optional(Type.Number({ minimum: 0 })),
          name: ScheduleName,
        },
        Strict,
      ),
      ...ScheduleEnvelope,
    },
    Strict,
  ),
  Type.Object(
    {
      className: Type.Literal('PiecewiseConstantDecay'),
      config: Type.Object(
        {
          boundaries: Type.Array(Type.Number(), { minItems: 1 }),
          values: Type.Array(Type.Number({ minimum: 0 }), { minItems: 2 }),
          name: ScheduleName,
        },
        Strict,
      ),
      ...ScheduleEnvelope,
    },
    Strict,
  ),
]);

export const OptimizerSpec = Type.Union(
  [
    Type.Union(OPTIMIZERS.map((o) => Type.Literal(o))),
    Type.Object(
      {
        type: Type.Union(OPTIMIZERS.map((o) => Type.Literal(o))),
        learningRate: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), LearningRateSchedule])),
        momentum: Type.Optional(Type.Number({ minimum: 0 })),
        useNesterov: Type.Optional(Type.Boolean()),
        beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        rho: Type.Optional(Type.Number({ minimum: 0 })),
        decay: Type.Optional(Type.Number({ minimum: 0 })),
        centered: Type.Optional(Type.Boolean()),
        initialAccumulatorValue: Type.Optional(Type.Number({ minimum: 0 })),
        /** Keras' gradient clipping, any optimizer (at most one of the three): each gradient tensor's L2 norm. */
        clipnorm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /** Each gradient element, to [-clipvalue, clipvalue]. */
        clipvalue: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /** The L2 norm over all gradients together (Keras' global_clipnorm). */
        globalClipnorm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /** Keras 3's decoupled weight decay, any optimizer: variable -= learning rate · weightDecay · variable before each update. */
        weightDecay: Type.Optional(Type.Number({ minimum: 0 })),
        /** Keras 3's exponential moving average of the weights, any optimizer; the weights become the averages at the end of fit. */
        useEma: Type.Optional(Type.Boolean()),
        /** `average = ema_momentum · average + (1 - ema_momentum) · weight` after each update (Keras' default 0.99). */
        emaMomentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        /** Every this many iterations the weights are overwritten with their averages; null/absent: only at the end of fit. */
        emaOverwriteFrequency: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
      },
      Strict,
    ),
  ],
  {
    description:
      'An optimizer name, or {type, learningRate, ...} with Keras arguments; each optimizer takes only its own (OPTIMIZER_ARGS in src/engine/spec/optimizers.ts), and the api refuses the others rather than drop them.',
  },
);

export const LOSSES = [
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'huber',
  'hinge',
  'kld',
] as const;

export const METRICS = [
  'accuracy',
  'categoricalAccuracy',
  'sparseCategoricalAccuracy',
  'binaryAccuracy',
  'mse',
  'mae',
  'precision',
  'recall',
] as const;

/** Loss and metric names are also accepted in Keras' snake_case and short forms (normalised before validation). */
export const LossName = Type.Union(LOSSES.map((l) => Type.Literal(l)));
export const MetricName = Type.Union(METRICS.map((m) => Type.Literal(m)));

/** Keras' loss classes, as `{"class_name": ..., "config": {...}}` names them, → Kiln's loss names. */
export const LOSS_CLASSES = {
  CategoricalCrossentropy: 'categoricalCrossentropy',
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  BinaryCrossentropy: 'binaryCrossentropy',
  MeanSquaredError: 'meanSquaredError',
  MeanAbsoluteError: 'meanAbsoluteError',
  MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  Huber: 'huber',
  Hinge: 'hinge',
  KLDivergence: 'kld',
} as const satisfies Record<string, (typeof LOSSES)[number]>;

/**
 * A Keras loss object as `keras.losses.serialize` writes it (Keras' snake_case keys are normalised).
 * Which config argument each class takes is checked by validateRunSpec (LOSS_CONFIG_ARGS), with a
 * message naming the field; the schema only bounds the values.
 */
export const LossObject = Type.Object(
  {
    className: Type.Union(Object.keys(LOSS_CLASSES).map((c) => Type.Literal(c))),
    config: Type.Optional(
      Type.Object(
        {
          fromLogits: Type.Optional(Type.Boolean()),
          labelSmoothing: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          delta: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          // What Keras writes along and Kiln does as Keras' default does (checked by validateRunSpec).
          name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          reduction: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          axis: Type.Optional(Type.Integer()),
          ignoreClass: Type.Optional(Type.Null()),
          dtype: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        },
        Strict,
      ),
    ),
    module: Type.Optional(Type.String()),
    registeredName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { ...Strict, description: 'A Keras loss object: {"class_name": "CategoricalCrossentropy", "config": {...}}' },
);

export const LossSpec = Type.Union([LossName, LossObject]);

export const CompileSpec = Type.Object(
  {
    optimizer: OptimizerSpec,
    // Flat (not a union inside a union), so the api's error for a wrong name lists the names.
    loss: Type.Union([LossName, LossObject, PerOutput(LossSpec)]),
    lossWeights: Type.Optional(PerOutput(Type.Number({ minimum: 0 }))),
    metrics: Type.Optional(
      Type.Union([Type.Array(MetricName), PerOutput(Type.Union([MetricName, Type.Array(MetricName)]))]),
    ),
  },
  Strict,
);

export const FitSpec = Type.Object(
  {
    /** 0: no training, only the evaluation (Keras' model.evaluate), e.g. of a registered model as a transfer base. */
    epochs: Type.Integer({ minimum: 0, maximum: 100_000, default: 1 }),
    batchSize: Type.Integer({ minimum: 1, maximum: 65_536, default: 32 }),
    validationSplit: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0 }),
    shuffle: Type.Boolean({ default: true }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    /**
     * Keras' class_weight, {class index: weight}. Its keys are checked against the model's output by
     * validateRunSpec (a key pattern here would not be enforced: TypeBox's Record emits
     * patternProperties without additionalProperties: false), with a message naming the classes.
     */
    classWeight: Type.Optional(
      Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
        description: 'Class index (0 to classes - 1) → weight, for a single-output model',
      }),
    ),
    /** Training time allowed, over every attempt (SageMaker's StoppingCondition); the run then stops at a batch boundary, keeps a checkpoint and fails with reason `timeout`. */
    maxRuntimeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 24 * 3600 })),
  },
  Strict,
);

/** A nested array of numbers (any rank), as JSON carries tensors. */
const NumberTensor = Type.Array(Type.Unknown(), { minItems: 1 });

export const InlineDataset = Type.Object(
  {
    /** Fraction of the samples (the last ones) held out for the evaluation after training. */
    testSplit: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    inline: Type.Object(
      {
        x: Type.Union([NumberTensor, PerOutput(NumberTensor)]),
        y: Type.Union([NumberTensor, PerOutput(NumberTensor)]),
      },
      Strict,
    ),
  },
  Strict,
);

export const AugmentSpec = Type.Object(
  {
    flipLeftRight: Type.Optional(Type.Boolean()),
    flipUpDown: Type.Optional(Type.Boolean()),
    brightness: Type.Optional(Type.Number({ minimum: 0, description: 'max delta, as tf.image.random_brightness' })),
    contrast: Type.Optional(
      Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })], { description: '[lower, upper]' }),
    ),
    crop: Type.Optional(Type.Object({ padding: Type.Integer({ minimum: 1 }) }, Strict)),
    rotation: Type.Optional(Type.Number({ minimum: 0, maximum: 180, description: 'max degrees' })),
    zoom: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'max fraction' })),
  },
  Strict,
);

function ArrayMapping(description: string) {
  return Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1, maxLength: 100 }), { description });
}

/** A registered dataset (by id) or a built-in one (`mnist`), and how to read it. */
export const DatasetRef = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100 }),
    preprocess: Type.Optional(
      Type.Union([
        Type.Object({ scale: Type.Number() }, Strict),
        Type.Object({ standardize: Type.Literal(true) }, Strict),
      ]),
    ),
    labels: Type.Optional(Type.Union([Type.Literal('oneHot'), Type.Literal('sparse'), Type.Literal('raw')])),
    validationSplit: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    testSplit: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    /** Take only the first N training samples (quick experiments). */
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * Feed samples of another shape (as many values) to the model's input, e.g. [28, 28, 1] images to a
     * Dense model on [784]. Without it a shape that differs is refused: a silent reshape trains on
     * whatever order the values happen to be in.
     */
    reshape: Type.Optional(
      Type.Boolean({
        description: "true: reshape each sample to the model's input shape (same number of values)",
      }),
    ),
    augment: Type.Optional(AugmentSpec),
    /** A dataset of named arrays: the array feeding each model input, by input name (default: the array of the input's name). */
    inputs: Type.Optional(ArrayMapping('model input name → dataset array name')),
    /** A dataset of named arrays: the array holding each model output's targets, by output name (default: the same name). */
    outputs: Type.Optional(ArrayMapping('model output name → dataset array name')),
    /** Keras' fit(sample_weight=…): the named array of one weight per row, scaling each training row's loss. */
    sampleWeight: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  Strict,
);

export const DatasetSpec = Type.Union([InlineDataset, DatasetRef]);

/**
 * Another registered dataset, read whole, as Keras' `validation_data` (or the final evaluation's test
 * set): its train split (or its only one), mapped to the model as the run's dataset is, and read with
 * the run's dataset settings (preprocessing with the training data's statistics, label encoding).
 */
export const HeldOutDataset = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100 }),
    inputs: Type.Optional(ArrayMapping('model input name → dataset array name')),
    outputs: Type.Optional(ArrayMapping('model output name → dataset array name')),
  },
  Strict,
);

const Mode = Type.Union([Type.Literal('auto'), Type.Literal('min'), Type.Literal('max')]);
const Monitor = Type.String({ minLength: 1, description: "A metric key such as 'val_loss' or 'val_accuracy'" });

/** Keras callbacks as spec fields (Keras' snake_case argument names are accepted too). */
export const CallbacksSpec = Type.Object(
  {
    earlyStopping: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Monitor),
          minDelta: Type.Optional(Type.Number()),
          patience: Type.Optional(Type.Integer({ minimum: 0 })),
          mode: Type.Optional(Mode),
          baseline: Type.Optional(Type.Number()),
          restoreBestWeights: Type.Optional(Type.Boolean()),
          startFromEpoch: Type.Optional(Type.Integer({ minimum: 0 })),
          verbose: Type.Optional(Type.Integer()),
        },
        Strict,
      ),
    ),
    reduceLROnPlateau: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Monitor),
          factor: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
          patience: Type.Optional(Type.Integer({ minimum: 0 })),
          mode: Type.Optional(Mode),
          minDelta: Type.Optional(Type.Number()),
          cooldown: Type.Optional(Type.Integer({ minimum: 0 })),
          minLr: Type.Optional(Type.Number({ minimum: 0 })),
          verbose: Type.Optional(Type.Integer()),
        },
        Strict,
      ),
    ),
    modelCheckpoint: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Monitor),
          mode: Type.Optional(Mode),
          saveBestOnly: Type.Optional(Type.Boolean()),
          verbose: Type.Optional(Type.Integer()),
        },
        Strict,
      ),
    ),
    tensorBoard: Type.Optional(
      Type.Object(
        {
          histogramFreq: Type.Optional(Type.Integer({ minimum: 0 })),
          updateFreq: Type.Optional(
            Type.Union([Type.Literal('epoch'), Type.Literal('batch'), Type.Integer({ minimum: 1 })]),
          ),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const ModelSpec = Type.Object(
  {
    type: Type.Union([
      Type.Literal('sequential'),
      Type.Literal('functional'),
      Type.Literal('keras'),
      Type.Literal('transfer'),
    ]),
  },
  {
    additionalProperties: true,
    description:
      'A Sequential, Functional or Keras to_json() model, or a transfer from a registered model (see src/engine/model/README.md).',
  },
);

/**
 * A user-written training step (Keras' train_step / test_step over TensorFlow.js): an ES module as
 * source text, run on the workers only where the operator allows user code (KILN_ALLOW_USER_CODE).
 */
export const TrainStepSpec = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 1_000_000,
      description:
        'An ES module exporting trainStep (or train_step) and optionally testStep (test_step): ({model, optimizer, tf, xs, ys}) => {metric: number | scalar tensor}',
    }),
    /** `ts`: TypeScript, whose types are stripped before it runs. */
    language: Type.Union([Type.Literal('js'), Type.Literal('ts')], { default: 'js' }),
    /**
     * More models the step trains besides `model` (a GAN's generator beside its discriminator), each
     * with its own optimizer; the step gets them as `models[name]` and `optimizers[name]`, and every
     * checkpoint carries them. Names are checked by validateRunSpec.
     */
    models: Type.Optional(
      Type.Record(Type.String(), Type.Object({ model: ModelSpec, optimizer: OptimizerSpec }, Strict), {
        description: 'name → {model, optimizer}: further models the train step trains',
      }),
    ),
  },
  Strict,
);

export const RunSpecSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model: ModelSpec,
    dataset: DatasetSpec,
    /** Keras' fit(validation_data=…): a registered dataset validated on after each epoch, instead of a validation split. */
    validationData: Type.Optional(HeldOutDataset),
    /** A registered dataset the trained model is evaluated on, instead of a test split. */
    testData: Type.Optional(HeldOutDataset),
    compile: CompileSpec,
    fit: FitSpec,
    callbacks: Type.Optional(CallbacksSpec),
    /** Trains each batch with the user's code instead of the compiled loss (Keras' overridden train_step). */
    trainStep: Type.Optional(TrainStepSpec),
    /** 0 (the default) to 1000; queued runs with a higher priority start first, equal ones in submission order. */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RUN_PRIORITY })),
  },
  { ...Strict, $id: 'RunSpec' },
);

export type RunSpec = Static<typeof RunSpecSchema>;
export type CompileSpec = Static<typeof CompileSpec>;
export type FitSpec = Static<typeof FitSpec>;
export type CallbacksSpec = Static<typeof CallbacksSpec>;
export type TrainStepSpec = Static<typeof TrainStepSpec>;
export type DatasetRef = Static<typeof DatasetRef>;
export type InlineDataset = Static<typeof InlineDataset>;
export type HeldOutDataset = Static<typeof HeldOutDataset>;
export const isInline = (d: RunSpec['dataset']): d is InlineDataset => 'inline' in d;
export type OptimizerSpec = Static<typeof OptimizerSpec>;
export type LearningRateSchedule = Static<typeof LearningRateSchedule>;
export type LossName = Static<typeof LossName>;
export type LossObject = Static<typeof LossObject>;
export type LossSpec = Static<typeof LossSpec>;
/** A loss object, as opposed to a map of losses by output name. */
export const isLossObject = (value: unknown): value is LossObject =>
  typeof value === 'object' && value !== null && 'className' in value;
export type MetricName = Static<typeof MetricName>;
