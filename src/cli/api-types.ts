// The api's answers as the CLI reads them, derived from the api's own TypeBox schemas (type-only
// imports: nothing of the server is loaded at run time), so a changed schema fails the typecheck here.
import type { Static } from '@sinclair/typebox';
import type { DatasetView as DatasetSchema } from '../api/schemas/datasets.ts';
import type { ModelImportFields as ModelImportFieldsSchema } from '../api/schemas/models.ts';
import type {
  CreatedRun as CreatedRunSchema,
  RunListItem as RunListItemSchema,
  RunView as RunViewSchema,
} from '../api/schemas/runs.ts';
import type { ModelDetail as ModelDetailSchema, ModelListItem as ModelListItemSchema } from '../api/schemas/serving.ts';

export type { EvaluationView as Evaluation } from '../api/schemas/runs.ts';
export type DatasetView = Static<typeof DatasetSchema>;
export type ModelListItem = Static<typeof ModelListItemSchema>;
export type RunListItem = Static<typeof RunListItemSchema>;
export type RunView = Static<typeof RunViewSchema>;
export type CreatedRun = Static<typeof CreatedRunSchema>;
export type ModelDetail = Static<typeof ModelDetailSchema>;
/** Where a model version came from when no run's training registered it (an import, a checkpoint). */
export type ModelSource = NonNullable<ModelDetail['source']>;
/** The fields of POST /models (sent as multipart text), as the api parses them. */
export type ModelImportFields = Static<typeof ModelImportFieldsSchema>;
