import { Type } from '@sinclair/typebox';
import { DatasetSpec } from '../../domain/run-spec/schema.ts';
import { EXPORT_FORMATS } from '../../domain/model.ts';
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

/** GET /models/:id/download (and a checkpoint's): which file format. */
export const DownloadQuery = Type.Object(
  {
    format: Type.Union(
      EXPORT_FORMATS.map((f) => Type.Literal(f)),
      {
        default: 'tfjs',
        description:
          'tfjs: TensorFlow.js model.json + weights.bin as a tar; keras: a .keras file as Keras 3 writes it; h5: a legacy .h5 as Keras 2 writes it',
      },
    ),
  },
  { additionalProperties: false },
);

/** The content-type of each download format. */
export const DOWNLOAD_CONTENT_TYPES = {
  tfjs: 'application/x-tar',
  keras: 'application/zip',
  h5: 'application/x-hdf5',
} as const;

/** POST /models/:id/evaluate. */
export const EvaluateBody = Type.Object(
  {
    dataset: DatasetSpec,
    compile: Type.Optional(
      Type.Object(
        { loss: Type.Unknown(), metrics: Type.Optional(Type.Unknown()) },
        {
          additionalProperties: false,
          description:
            "Loss and metrics, as in a run's compile; default: the model's own run's, else by its outputs' activations",
        },
      ),
    ),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** /runs/:id/checkpoints/:kind/…: the run and which of its checkpoints. */
export const CheckpointParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Union([Type.Literal('best'), Type.Literal('latest')], {
    description: "best: ModelCheckpoint's; latest: the last epoch's (or where an interrupted run stopped)",
  }),
});

/** POST /runs/:id/checkpoints/:kind/register. */
export const RegisterCheckpointBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Default: the run's model name" })) },
  { additionalProperties: false },
);
