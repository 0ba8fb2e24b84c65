import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The one registry of queues and job payloads, shared by the producer (api) and the consumer (worker).
 */
export const QUEUES = {
  training: 'training',
} as const;

export const JOBS = {
  train: 'train',
} as const;

/** What a worker needs to train a run: everything, so that it never has to open the database. */
export const TrainJobPayloadSchema = Type.Object({
  runId: Type.String({ minLength: 1 }),
  /** The run spec exactly as validated by the api (model, dataset, compile, fit, callbacks, evaluate). */
  spec: Type.Record(Type.String(), Type.Unknown()),
});

export type TrainJobPayload = Static<typeof TrainJobPayloadSchema>;

/** Parses a job's data; throws when a job of another shape reached the queue. */
export function parseTrainJobPayload(data: unknown): TrainJobPayload {
  if (!Value.Check(TrainJobPayloadSchema, data)) {
    const first = Value.Errors(TrainJobPayloadSchema, data).First();
    throw new Error(`malformed train job payload at ${first?.path ?? '/'}: ${first?.message ?? 'invalid'}`);
  }
  return data;
}

/** Messages on the control channel, api → workers. */
export type ControlMessage = { type: 'cancel'; runId: string };
