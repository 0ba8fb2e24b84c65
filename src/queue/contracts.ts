import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ResolvedDatasetSchema } from '../domain/dataset.ts';
import type { StatusData } from '../domain/run-event.ts';
import { IngestRequestSchema } from '../domain/ingestion.ts';
import { RunSpecSchema } from '../domain/run-spec/schema.ts';

/**
 * The one registry of queues and job payloads, shared by the producer (api) and the consumer (worker).
 */
export const QUEUES = {
  training: 'training',
  datasets: 'datasets',
} as const;

export const JOBS = {
  train: 'train',
  ingest: 'ingest',
} as const;

/** What a worker needs to train a run: everything, so that it never has to open the database. */
export const TrainJobPayloadSchema = Type.Object({
  runId: Type.String({ minLength: 1 }),
  /**
   * The run spec as the api validated it: normalised (Keras spellings mapped) and defaulted, so the
   * worker and the engine read it as the typed RunSpec without checking or defaulting it again.
   */
  spec: RunSpecSchema,
  /** Where a dataset given by id lives, as the api resolved it (absent for inline data). */
  dataset: Type.Optional(ResolvedDatasetSchema),
  /** The run's validationData and testData, resolved like its dataset. */
  validationDataset: Type.Optional(ResolvedDatasetSchema),
  testDataset: Type.Optional(ResolvedDatasetSchema),
});

export type TrainJobPayload = Static<typeof TrainJobPayloadSchema>;

/**
 * Parses a job's data; throws when a job of another shape reached the queue (a producer of another
 * version, a hand-made job). Cheap even for inline data: the schema does not descend into its arrays.
 */
export function parseTrainJobPayload(data: unknown): TrainJobPayload {
  if (!Value.Check(TrainJobPayloadSchema, data)) {
    const first = Value.Errors(TrainJobPayloadSchema, data).First();
    throw new Error(`malformed train job payload at ${first?.path ?? '/'}: ${first?.message ?? 'invalid'}`);
  }
  return data;
}

/**
 * What a finished training job returns (kept on the BullMQ job): the run's final status, as its final
 * event carries it, so the api can settle the run from the job alone if that event never arrived.
 */
export type TrainJobResult = Extract<StatusData, { status: 'succeeded' | 'canceled' | 'failed' }>;

/** Messages on the control channel, api → workers: cancel a run, stop the ingestion of a dataset being deleted. */
export type ControlMessage = { type: 'cancel'; runId: string } | { type: 'cancel-ingest'; datasetId: string };

/** An ingestion job's payload: the ingestion request itself, and why it was stopped if its worker had to. */
export const IngestJobPayloadSchema = Type.Composite([
  IngestRequestSchema,
  Type.Object({
    /**
     * Set by the worker before it kills an ingestion process that did not stop when asked (past
     * KILN_INGEST_TIMEOUT_SECONDS, or its dataset deleted): the reason the dataset shows, and the
     * answer of any further attempt, which fails at once.
     */
    stopped: Type.Optional(Type.String()),
  }),
]);

export type IngestJobPayload = Static<typeof IngestJobPayloadSchema>;

/** Parses an ingestion job's data. */
export function parseIngestJobPayload(data: unknown): IngestJobPayload {
  if (!Value.Check(IngestJobPayloadSchema, data)) throw new Error('malformed ingest job payload');
  return data;
}
