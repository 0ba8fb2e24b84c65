import { Type } from '@sinclair/typebox';
import type { ModelSource } from '../../domain/model.ts';
import type { OutputPrediction } from '../../serving/format-predictions.ts';
import type { Preprocessing } from '../../serving/types.ts';
import { JsonOf, Nullable } from './common.ts';
import { ModelView } from './models.ts';

/** A model reference: `<id>`, `<name>` (latest version), `<name>@<version>` or `<name>@<alias>`. */
export const ModelRefParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 200,
    description: '<id>, <name> (latest version), <name>@<version> or <name>@<alias>',
  }),
});

const TopK = Type.Integer({
  minimum: 1,
  maximum: 1000,
  description: 'For classifiers: also answer the K most likely classes',
});

export const PredictQuery = Type.Object(
  {
    instances: Type.Optional(Type.String({ description: 'GET only: the instances as a URL-encoded JSON array' })),
    topK: Type.Optional(TopK),
  },
  { additionalProperties: false },
);

/** TensorFlow Serving's two request forms; exactly one of `instances` and `inputs` is given. */
export const PredictBody = Type.Object(
  {
    instances: Type.Optional(
      Type.Unknown({ description: 'Row format: one entry per instance (an object by input name for several inputs)' }),
    ),
    inputs: Type.Optional(
      Type.Unknown({ description: 'Columnar format: the batch tensor, or an object of them by input name' }),
    ),
    topK: Type.Optional(TopK),
  },
  { additionalProperties: false },
);

export const PredictResponse = Type.Object({
  model: Type.Object({ id: Type.String(), name: Type.String(), version: Type.Integer() }),
  predictions: Type.Array(
    Type.Unsafe<OutputPrediction | Record<string, OutputPrediction>>({
      description:
        'One per instance: {values, class?, label?, confidence?, topK?} for a single output, an object of those by output name for several',
    }),
  ),
});

export const ModelDetail = Type.Composite([
  ModelView,
  Type.Object({
    preprocessing: Nullable(JsonOf<Preprocessing>()),
    /** Where the version came from when no run's training registered it (an import, a checkpoint). */
    source: Nullable(JsonOf<ModelSource>()),
    aliases: Type.Array(Type.String()),
    serving: Type.Union([Type.Literal('ready'), Type.Literal('loading'), Type.Literal('unloaded')], {
      description: 'Whether the model is in memory for serving',
    }),
  }),
]);

export const ListModelsQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only versions of this model name' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ModelListItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  runId: Nullable(Type.String()),
  aliases: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  source: Nullable(JsonOf<ModelSource>()),
});

export const ModelList = Type.Object({ models: Type.Array(ModelListItem), nextCursor: Nullable(Type.String()) });

const NAME = { minLength: 1, maxLength: 200 };
export const AliasParams = Type.Object({
  name: Type.String(NAME),
  alias: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z][A-Za-z0-9_.-]*$',
    description: 'Starts with a letter, so it never reads as a version',
  }),
});

export const AliasBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const AliasView = Type.Object({
  name: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  modelId: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
