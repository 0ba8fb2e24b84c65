/**
 * The api's answers as the dashboard reads them, derived from the server's own TypeBox schemas and
 * domain types (type-only imports, but for the run statuses), so a changed answer fails `npm run
 * typecheck` here instead of surprising a page.
 */
import type { Static } from '@sinclair/typebox';
import type { Issue } from '../../../src/domain/errors.ts';
import type { DatasetView, DatasetSample } from '../../../src/api/schemas/datasets.ts';
import type { ModelImportFields as ModelImportFieldsSchema } from '../../../src/api/schemas/models.ts';
import type {
  CheckpointView,
  CreatedRun as CreatedRunSchema,
  EpochView as EpochViewSchema,
  EvaluationView,
  RunListItem as RunListItemSchema,
  RunSpecView,
  RunView as RunViewSchema,
} from '../../../src/api/schemas/runs.ts';
import type {
  ModelDetail as ModelDetailSchema,
  ModelListItem as ModelListItemSchema,
} from '../../../src/api/schemas/serving.ts';
import type { ClassScore, OutputPrediction } from '../../../src/serving/format-predictions.ts';

export { RUN_STATUSES, isTerminal, type RunStatus } from '../../../src/domain/run-status.ts';
export type { BatchData as BatchProgress, RunEvent } from '../../../src/domain/run-event.ts';
export type { ModelSummary } from '../../../src/engine/model/types.ts';
export type { TensorSpec as TensorInfo } from '../../../src/domain/model.ts';
export type { ExportFormat } from '../../../src/domain/model.ts';
export type { TransferModelSpec } from '../../../src/engine/model/types.ts';
export type { ClassScore, DatasetSample, RunSpecView };

/** A field the api refused, or (`line`) where the text itself is wrong (a JSON syntax error). */
export type FieldError = Issue & { line?: number };

export type RunListItem = Static<typeof RunListItemSchema>;
export type RunView = Static<typeof RunViewSchema>;
export type CreatedRun = Static<typeof CreatedRunSchema>;
export type EpochView = Static<typeof EpochViewSchema>;
export type Checkpoint = CheckpointView;
export type Evaluation = EvaluationView;
export type Dataset = Static<typeof DatasetView>;
export type ModelListItem = Static<typeof ModelListItemSchema>;
export type ModelDetail = Static<typeof ModelDetailSchema>;
/** Where a model version came from when no run's training registered it (an import, a checkpoint). */
export type ModelSource = NonNullable<ModelDetail['source']>;
/** The fields of POST /models (sent as multipart text), as the api parses them. */
export type ModelImportFields = Static<typeof ModelImportFieldsSchema>;
export type Prediction = OutputPrediction;
