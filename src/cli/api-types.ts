// The api's answers as the CLI reads them, derived from the api's own TypeBox schemas (type-only
// imports: nothing of the server is loaded at run time), so a changed schema fails the typecheck here.
import type { Static } from '@sinclair/typebox';
import type { DatasetView as DatasetSchema } from '../api/schemas/datasets.ts';
import type { RunListItem as RunListItemSchema, RunView as RunViewSchema } from '../api/schemas/runs.ts';
import type { ModelDetail as ModelDetailSchema, ModelListItem as ModelListItemSchema } from '../api/schemas/serving.ts';
import type { EvaluationData } from '../domain/run-event.ts';

export type DatasetView = Static<typeof DatasetSchema>;
export type ModelListItem = Static<typeof ModelListItemSchema>;

/** A stored evaluation: the engine's, less the sample count (a classifier's confusion matrix adds up to it). */
export type Evaluation = Omit<EvaluationData, 'samples'> & { samples?: number };

/** A run's failure: a stable code and a message safe to show. */
type RunError = { code?: string; message?: string } | null;

export type RunListItem = Omit<Static<typeof RunListItemSchema>, 'error'> & { error: RunError };

export type RunView = Omit<Static<typeof RunViewSchema>, 'evaluation' | 'error' | 'spec'> & {
  evaluation: Evaluation | null;
  error: RunError;
  spec: { dataset?: { id?: string; inline?: unknown } };
};

export type ModelDetail = Omit<Static<typeof ModelDetailSchema>, 'signature' | 'evaluation'> & {
  signature: { inputs?: Array<{ name: string; shape: unknown[] }>; outputs?: Array<{ name: string; shape: unknown[] }> };
  evaluation: { metrics?: Record<string, number> } | null;
};
