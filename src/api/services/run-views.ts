import { isInline, type RunSpec } from '../../domain/run-spec/schema.ts';
import { jsonArrayShape } from '../../engine/spec/validate-run-spec.ts';
import type { CheckpointKind, Logs } from '../../domain/run-event.ts';
import type { RunError, RunStatus } from '../../domain/run-status.ts';
import type { EvaluationView, RunSpecView } from '../schemas/runs.ts';
import { bestMetric } from './run-metrics.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Inline training data can be megabytes; run views describe it (sample count and shapes) instead of
 * echoing it back. The stored spec keeps the data itself.
 */
function describeSpec(spec: RunSpec): RunSpecView {
  if (!isInline(spec.dataset)) return spec;
  const inline = spec.dataset.inline;
  const describe = (v: unknown) =>
    Array.isArray(v)
      ? { shape: jsonArrayShape(v) }
      : Object.fromEntries(Object.entries(v as object).map(([k, a]) => [k, { shape: jsonArrayShape(a) }]));
  return { ...spec, dataset: { inline: { x: describe(inline.x), y: describe(inline.y) } } } as RunSpecView;
}

/** A run row as a list reads it: every column but the spec. */
type RunListRow = {
  id: string;
  name: string | null;
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  attempt: number;
  backend: string | null;
  device: string | null;
  error: unknown;
  datasetId: string | null;
  compiledMetrics: unknown;
};
type RunRow = RunListRow & { spec: unknown };

/** GET /runs/:id */
export function runView(
  run: RunRow & {
    epochs: { epoch: number; metrics: unknown; lr: number | null; durationMs: number; samplesPerSec: number | null }[];
    checkpoints: {
      kind: string;
      epoch: number;
      path: string;
      monitor: string | null;
      value: number | null;
      createdAt: Date;
    }[];
    evaluation: { metrics: unknown; confusion: unknown; perClass: unknown; createdAt: Date } | null;
    model: { id: string } | null;
  },
) {
  const checkpoints = run.checkpoints.map((c) => ({
    kind: c.kind as CheckpointKind,
    epoch: c.epoch,
    path: c.path,
    monitor: c.monitor,
    value: c.value,
    createdAt: iso(c.createdAt),
  }));
  return {
    ...runListItem(run),
    attempt: run.attempt,
    device: run.device,
    spec: describeSpec(run.spec as RunSpec),
    epochs: run.epochs.map((e) => ({
      epoch: e.epoch,
      metrics: e.metrics as Record<string, number>,
      lr: e.lr,
      durationMs: e.durationMs,
      samplesPerSec: e.samplesPerSec,
    })),
    checkpoints,
    bestCheckpoint: checkpoints.find((c) => c.kind === 'best') ?? null,
    evaluation: run.evaluation
      ? {
          metrics: run.evaluation.metrics as Logs,
          confusion: run.evaluation.confusion as EvaluationView['confusion'],
          perClass: run.evaluation.perClass as EvaluationView['perClass'],
          createdAt: iso(run.evaluation.createdAt),
        }
      : null,
  };
}

/** An entry of GET /runs: enough for a runs table (dataset, best metric) without fetching each run. */
export function runListItem(run: RunListRow & { model: { id: string } | null; epochs: { metrics: unknown }[] }) {
  return {
    id: run.id,
    name: run.name,
    status: run.status as RunStatus,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    backend: run.backend,
    modelId: run.model?.id ?? null,
    error: (run.error as RunError | null) ?? null,
    datasetId: run.datasetId,
    best: bestMetric(run.compiledMetrics, run.epochs),
  };
}
