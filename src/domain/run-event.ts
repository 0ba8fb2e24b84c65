/**
 * A run's events, as the engine emits them, the worker publishes them, the api stores and streams
 * them and clients read them. One union discriminated by `type`, so every reader narrows `data`
 * by the event's type instead of casting it.
 */
import type { TrainedModel } from './model.ts';
import { isTerminal, type RunError } from './run-status.ts';

/** Metric values by Keras key: loss, accuracy, val_loss, val_accuracy, <output>_loss, ... */
export type Logs = Record<string, number>;

/**
 * A status change; `running` says on which backend and device, `failed` why. A worker stamps each
 * with the job's attempt (1 for the first).
 */
export type StatusData = (
  | { status: 'queued'; reason?: string }
  | { status: 'running'; backend?: string; device?: string; gpu?: boolean }
  | { status: 'succeeded'; model?: TrainedModel; epochs?: number; stoppedEarly?: boolean }
  | { status: 'failed'; error: RunError }
  | { status: 'canceled' }
) & { attempt?: number };

/** One finished epoch: every metric, the learning rate it ran with, how long it took. */
export interface EpochData {
  /** 1-based, as users count. */
  epoch: number;
  metrics: Logs;
  lr: number;
  durationMs: number;
  samplesPerSec: number;
  /** The run's epochs in all. */
  epochs?: number;
}

/** Progress within an epoch (throttled: a few per second, and always the epoch's last batch). */
export interface BatchData {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  metrics: Logs;
  samplesPerSec: number;
  etaSeconds: number | null;
}

export type CheckpointKind = 'latest' | 'best';

/** A checkpoint written: `latest` to resume from, `best` as ModelCheckpoint judged it. */
export interface CheckpointData {
  kind: CheckpointKind;
  /** Complete epochs it holds. */
  epoch: number;
  /** Batches of the next epoch it holds: 0 at an epoch's end, more when a shutdown or time limit stopped mid-epoch. */
  batch?: number;
  path: string;
  /** ModelCheckpoint's metric and its value at that epoch. */
  monitor?: string;
  value?: number | null;
}

/** The trained model on the test split: metrics, and for classifiers the confusion matrix and per-class scores. */
export interface EvaluationData {
  metrics: Logs;
  samples: number;
  /** For classifiers: rows are true classes, columns predicted classes. */
  confusion?: number[][];
  perClass?: Array<{ class: number; precision: number; recall: number; support: number }>;
}

/** A line for the run's log; `datasetSha256` records the files a built-in dataset was loaded from. */
export interface LogData {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  datasetSha256?: string;
  [fact: string]: unknown;
}

interface EventDataByType {
  status: StatusData;
  epoch: EpochData;
  batch: BatchData;
  checkpoint: CheckpointData;
  evaluation: EvaluationData;
  log: LogData;
}

export type RunEventType = keyof EventDataByType;

export const RUN_EVENT_TYPES: readonly RunEventType[] = ['status', 'epoch', 'batch', 'checkpoint', 'evaluation', 'log'];

/** One event as stored and streamed: `seq` orders a run's events with no gap, across retries and workers. */
export type RunEvent = {
  [T in RunEventType]: { seq: number; runId: string; type: T; time: string; data: EventDataByType[T] };
}[RunEventType];

/** An event before it is numbered and stamped (what the engine and worker emit). */
export type RunEventDraft = {
  [T in RunEventType]: { type: T; data: EventDataByType[T]; time?: string };
}[RunEventType];

export type StatusEvent = Extract<RunEvent, { type: 'status' }>;

/** The event that ends a run: its terminal status. */
export const isFinalEvent = (event: RunEvent): event is StatusEvent =>
  event.type === 'status' && isTerminal(event.data.status);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const STATUSES = new Set(['queued', 'running', 'succeeded', 'failed', 'canceled']);

/** What each event type's data must hold for its effect to be stored (beyond that, readers are lenient). */
const DATA_RULES: Record<RunEventType, (d: Record<string, unknown>) => string | undefined> = {
  status: (d) => (STATUSES.has(d.status as string) ? undefined : `status "${String(d.status)}" is not a run status`),
  epoch: (d) =>
    isCount(d.epoch) && isObject(d.metrics) ? undefined : 'an epoch event needs an epoch number and metrics',
  batch: () => undefined,
  checkpoint: (d) =>
    (d.kind === 'latest' || d.kind === 'best') && isCount(d.epoch) && typeof d.path === 'string'
      ? undefined
      : 'a checkpoint event needs a kind (latest or best), an epoch and a path',
  evaluation: (d) => (isObject(d.metrics) ? undefined : 'an evaluation event needs metrics'),
  log: (d) => (typeof d.message === 'string' ? undefined : 'a log event needs a message'),
};

/**
 * Why a value read off the event stream is not a run event that can ever be stored, or undefined
 * when it is one. Events come from workers of any version; one that can never be stored is set aside
 * (dead-lettered) instead of blocking the ones behind it.
 */
export function malformedEvent(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (!Number.isInteger(value.seq) || (value.seq as number) < 1) return 'seq is not a positive integer';
  if (typeof value.runId !== 'string' || value.runId.length === 0) return 'runId is missing';
  if (!RUN_EVENT_TYPES.includes(value.type as RunEventType)) return `type "${String(value.type)}" is not an event type`;
  if (typeof value.time !== 'string' || Number.isNaN(Date.parse(value.time))) return 'time is not a date';
  if (!isObject(value.data)) return 'data is not an object';
  return DATA_RULES[value.type as RunEventType](value.data);
}
