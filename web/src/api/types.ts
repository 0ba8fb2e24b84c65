/** The api's answers, as the dashboard reads them (see src/api/schemas on the server). */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];
export const isTerminal = (status: RunStatus) => status === 'succeeded' || status === 'failed' || status === 'canceled';

export interface FieldError {
  path: string;
  message: string;
  /** Where the text itself is wrong (a JSON syntax error), when no field path can say it. */
  line?: number;
}

export interface RunListItem {
  id: string;
  name: string | null;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  backend: string | null;
  modelId: string | null;
  error: { code?: string; message?: string } | null;
  /** The registered or built-in dataset; null for inline data. */
  datasetId: string | null;
  /** The metric the run is judged by (first compiled metric on validation, else loss) and its best value. */
  best: { name: string; value: number } | null;
}

export interface EpochView {
  epoch: number;
  /** null: no finite value (a diverged loss). */
  metrics: Record<string, number | null>;
  lr: number | null;
  durationMs: number;
  samplesPerSec: number | null;
}

export interface Checkpoint {
  kind: string;
  epoch: number;
  path?: string;
  monitor?: string | null;
  value?: number | null;
  createdAt?: string | null;
}

export interface Evaluation {
  metrics: Record<string, number>;
  confusion?: number[][] | null;
  perClass?: Array<{ class: number; precision: number; recall: number; support: number }> | null;
}

export interface RunView extends RunListItem {
  attempt: number;
  device: string | null;
  spec: RunSpecView;
  epochs: EpochView[];
  checkpoints: Checkpoint[];
  bestCheckpoint: Checkpoint | null;
  evaluation: Evaluation | null;
}

export interface RunSpecView {
  name?: string;
  dataset?: { id?: string; inline?: unknown };
  fit?: { epochs?: number };
  [key: string]: unknown;
}

export interface RunEvent {
  seq: number;
  runId: string;
  type: 'status' | 'epoch' | 'batch' | 'checkpoint' | 'evaluation' | 'log' | 'error';
  time: string;
  data: Record<string, unknown>;
}

export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  metrics: Record<string, number>;
  samplesPerSec: number;
  etaSeconds: number | null;
}

export interface ModelSummary {
  name: string;
  layers: Array<{ name: string; type: string; outputShape: Array<number | null>; params: number; inputs?: string[]; sharesWeightsWith?: string }>;
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

export interface Dataset {
  id: string;
  name: string;
  format: string;
  status: 'ingesting' | 'ready' | 'failed';
  error: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  samples: Record<string, number> | null;
  inputShape: number[] | null;
  dtype: string | null;
  labelKind: string | null;
  classes: string[] | null;
  createdAt: string;
}

export interface DatasetSample {
  image?: string;
  label?: number | number[];
  className?: string;
  [key: string]: unknown;
}

export interface ModelListItem {
  id: string;
  name: string;
  version: number;
  runId: string | null;
  aliases: string[];
  createdAt: string;
}

export interface TensorInfo {
  name: string;
  shape: Array<number | null>;
  dtype: string;
}

export interface ModelDetail extends ModelListItem {
  signature: { inputs: TensorInfo[]; outputs: TensorInfo[] };
  labels: string[] | null;
  preprocessing: Record<string, unknown> | null;
  serving: 'ready' | 'loading' | 'unloaded';
  evaluation: Record<string, number> | null;
  files: string[];
}

export interface ClassScore {
  class: number;
  label: string | null;
  confidence: number;
}

export interface Prediction {
  values: unknown;
  class?: number;
  label?: string | null;
  confidence?: number;
  topK?: ClassScore[];
}
