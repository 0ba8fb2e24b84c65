import type { RunEventDraft } from '../domain/run-event.ts';
import type { RunError } from '../domain/run-status.ts';
import type { TrainJobPayload } from '../queue/contracts.ts';
import type { TrainingOutcome } from '../engine/run-training.ts';
import type { BackendPreference } from '../engine/backend.ts';
import type { ArtifactStoreSettings } from '../artifacts/index.ts';

/** What a worker tells the training process about its machine (plain data: it crosses the IPC channel). */
export interface TrainingSettings {
  backend: BackendPreference;
  dataDir: string;
  datasetMirror?: string;
  artifacts: ArtifactStoreSettings;
  /** KILN_TRAINING_THREADS: data-parallel replicas of one job's model (wasm and cpu backends). */
  trainingThreads: number;
  /** KILN_TRAINING_DATA_MEMORY_MB, in bytes: dataset arrays held in memory; the rest is read from local files. */
  dataMemoryBytes: number;
  /** KILN_ALLOW_USER_CODE: run a spec's trainStep module. */
  allowUserCode: boolean;
  /** KILN_STEP_TIMEOUT_SECONDS. */
  stepTimeoutSeconds: number;
}

/** Messages between a worker and the child process that trains one job (over Node's IPC channel). */
export type ParentMessage =
  { type: 'start'; payload: TrainJobPayload; settings: TrainingSettings } | { type: 'cancel' } | { type: 'interrupt' };

export type ChildMessage =
  | { type: 'event'; event: RunEventDraft }
  | { type: 'outcome'; outcome: TrainingOutcome }
  | { type: 'failed'; error: RunError; retryable: boolean }
  /** User code (a train_step) runs for at most `ms` from now; null: it no longer runs (step-watchdog.ts). */
  | { type: 'watchdog'; ms: number | null };
