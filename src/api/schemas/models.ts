import { Type } from '@sinclair/typebox';
import type { ModelSignature } from '../../domain/model.ts';
import type { Logs } from '../../domain/run-event.ts';
import { JsonOf, Nullable } from './common.ts';

export const ModelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  runId: Nullable(Type.String()),
  signature: JsonOf<ModelSignature>(),
  labels: Nullable(Type.Array(Type.String())),
  createdAt: Type.String({ format: 'date-time' }),
  /** The source run's test metrics. */
  evaluation: Nullable(JsonOf<Logs>()),
  files: Type.Array(Type.String()),
});

/** The fields of POST /models (multipart, beside the file parts), once their JSON is parsed. */
export const ModelImportFields = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "The model's name; it cannot contain '@' or '/'",
    }),
    labels: Type.Optional(
      Type.Array(Type.String(), { minItems: 1, description: 'Class names, as a JSON array or comma-separated' }),
    ),
    preprocess: Type.Optional(
      Type.Union(
        [
          Type.Object({ scale: Type.Number(), offset: Type.Optional(Type.Number()) }, { additionalProperties: false }),
          Type.Object(
            {
              mean: Type.Array(Type.Number(), { minItems: 1 }),
              std: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1 }),
            },
            { additionalProperties: false },
          ),
        ],
        {
          description:
            'Applied at predict time, as a run\'s dataset preprocessing is: {"scale": 0.0039} or {"mean": [...], "std": [...]}',
        },
      ),
    ),
    model: Type.Optional(
      Type.Unknown({ description: 'For a .weights.h5: the model it belongs to, a Kiln model spec or Keras JSON' }),
    ),
  },
  { additionalProperties: false },
);
