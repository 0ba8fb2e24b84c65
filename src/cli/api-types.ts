// The api's answers as the CLI reads them, derived from the api's own TypeBox schemas (type-only
// imports: nothing of the server is loaded at run time), so a changed schema fails the typecheck here.
import type { Static } from '@sinclair/typebox';
import type { DatasetView as DatasetSchema } from '../api/schemas/datasets.ts';
import type { RunListItem as RunListItemSchema, RunView as RunViewSchema } from '../api/schemas/runs.ts';
import type { ModelDetail as ModelDetailSchema, ModelListItem as ModelListItemSchema } from '../api/schemas/serving.ts';

export type { EvaluationView as Evaluation } from '../api/schemas/runs.ts';
export type DatasetView = Static<typeof DatasetSchema>;
export type ModelListItem = Static<typeof ModelListItemSchema>;
export type RunListItem = Static<typeof RunListItemSchema>;
export type RunView = Static<typeof RunViewSchema>;
export type ModelDetail = Static<typeof ModelDetailSchema>;
