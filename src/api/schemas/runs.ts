import { Type } from '@sinclair/typebox';
import type { CheckpointKind, EvaluationData } from '../../domain/run-event.ts';
import type { RunSpec } from '../../domain/run-spec/schema.ts';
import { RUN_STATUSES, type RunError } from '../../domain/run-status.ts';
import type { ModelSummary } from '../../engine/model/types.ts';
import { JsonOf, Nullable } from './common.ts';

/** A checkpoint as a run lists it. */
export interface CheckpointView {
  kind: CheckpointKind;
  epoch: number;
  path: string;
  monitor: string | null;
  value: number | null;
  createdAt: string | null;
}

/** A run's evaluation on its test split (the sample count is the confusion matrix's total). */
export type EvaluationView = Omit<EvaluationData, 'samples'> & { samples?: number };

/** A run's spec as answered: inline data is described by its shapes, not echoed back. */
export type RunSpecView = Omit<RunSpec, 'dataset'> & {
  dataset:
    RunSpec['dataset'] | { inline: Record<'x' | 'y', { shape?: number[] } | Record<string, { shape?: number[] }>> };
};

export const RunStatusSchema = Type.Union(RUN_STATUSES.map((s) => Type.Literal(s)));

export const CreateRunQuery = Type.Object(
  { dryRun: Type.Boolean({ default: false, description: 'Validate and answer the model summary; queue nothing.' }) },
  { additionalProperties: false },
);

export const CreatedRun = Type.Object({
  id: Type.String(),
  status: RunStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
});

export const ModelSummarySchema = Type.Unsafe<ModelSummary>(
  Type.Object(
    {
      name: Type.String(),
      layers: Type.Array(
        Type.Object(
          { name: Type.String(), type: Type.String(), outputShape: Type.Unknown(), params: Type.Integer() },
          { additionalProperties: true },
        ),
      ),
      totalParams: Type.Integer(),
      trainableParams: Type.Integer(),
      nonTrainableParams: Type.Integer(),
    },
    { additionalProperties: true },
  ),
);

export const EpochView = Type.Object({
  epoch: Type.Integer(),
  // null where training produced no finite number (a diverged loss: NaN or Infinity, which JSON
  // cannot carry). A plain Number schema made the serializer answer 0, a perfect loss, instead.
  metrics: Type.Record(Type.String(), Nullable(Type.Number())),
  lr: Nullable(Type.Number()),
  durationMs: Type.Integer(),
  samplesPerSec: Nullable(Type.Number()),
});

export const RunView = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  status: RunStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  attempt: Type.Integer(),
  backend: Nullable(Type.String()),
  device: Nullable(Type.String()),
  spec: JsonOf<RunSpecView>(),
  epochs: Type.Array(EpochView),
  checkpoints: Type.Array(JsonOf<CheckpointView>()),
  bestCheckpoint: Nullable(JsonOf<CheckpointView>()),
  evaluation: Nullable(JsonOf<EvaluationView>()),
  modelId: Nullable(Type.String()),
  error: Nullable(JsonOf<RunError>()),
  /** The registered or built-in dataset; null for inline data. */
  datasetId: Nullable(Type.String()),
  /** The metric the run is judged by (first compiled metric on validation, else loss) and its best value. */
  best: Nullable(Type.Object({ name: Type.String(), value: Type.Number() })),
});

export const RunListItem = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  status: RunStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  backend: Nullable(Type.String()),
  modelId: Nullable(Type.String()),
  error: Nullable(JsonOf<RunError>()),
  /** The registered or built-in dataset; null for inline data. */
  datasetId: Nullable(Type.String()),
  /** The metric the run is judged by (first compiled metric on validation, else loss) and its best value. */
  best: Nullable(Type.Object({ name: Type.String(), value: Type.Number() })),
});

export const ListRunsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([RunStatusSchema, Type.Array(RunStatusSchema)])),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const RunList = Type.Object({
  runs: Type.Array(RunListItem),
  nextCursor: Nullable(Type.String()),
});
