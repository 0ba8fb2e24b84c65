import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ResolvedDatasetSchema } from '../domain/dataset.ts';
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

/** Messages on the control channel, api → workers. */
export type ControlMessage = { type: 'cancel'; runId: string };

/** Where the files of a dataset to ingest come from. */
export const IngestSourceSchema = Type.Union([
  Type.Object({ kind: Type.Literal('uploads'), keys: Type.Array(Type.String(), { minItems: 1 }) }),
  Type.Object({ kind: Type.Literal('url'), url: Type.String(), sha256: Type.Optional(Type.String()) }),
]);

/** An ingestion job: read the source, parse and validate it, store its arrays under datasets/<id>. */
export const IngestJobPayloadSchema = Type.Object({
  datasetId: Type.String({ minLength: 1 }),
  name: Type.String(),
  source: IngestSourceSchema,
  /** Parser options (format, csv label/feature columns, image size and channels). */
  options: Type.Record(Type.String(), Type.Unknown()),
  limits: Type.Object({
    maxUncompressedBytes: Type.Number(),
    maxFiles: Type.Integer(),
    maxDownloadBytes: Type.Number(),
    allowPrivateUrls: Type.Boolean(),
  }),
});

export type IngestJobPayload = Static<typeof IngestJobPayloadSchema>;

/** What a finished ingestion returns (kept on the job; the api copies it to the dataset row). */
export interface IngestResult {
  format: string;
  sha256: string;
  sizeBytes: number;
  meta: Record<string, unknown>;
}

/** Parses an ingestion job's data. */
export function parseIngestJobPayload(data: unknown): IngestJobPayload {
  if (!Value.Check(IngestJobPayloadSchema, data)) throw new Error('malformed ingest job payload');
  return data;
}
