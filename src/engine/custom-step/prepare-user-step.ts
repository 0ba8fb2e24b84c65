import type * as tf from '@tensorflow/tfjs';
import { KilnError } from '../../domain/errors.ts';
import type { TrainStepSpec } from '../../domain/run-spec/schema.ts';
import { evaluateData, type BatchTrainer } from '../training/batch-trainer.ts';
import type { OutputHead } from '../training/heads.ts';
import { loadStepModule } from './load-step-module.ts';
import { userTrainer } from './user-trainer.ts';
import { StepStateCallback } from './step-state-callback.ts';
import type { Callback } from '../training/callback.ts';
import type { ExtraModel } from '../training/checkpoint-store.ts';
import { buildModel } from '../model/index.ts';
import { createOptimizer } from '../training/optimizer.ts';

/** What the process hosting the engine offers user code (KILN_ALLOW_USER_CODE); absent, none runs. */
export interface UserCodeHost {
  /** A scratch directory of this process for the module's file (created here, removed by the caller). */
  dir: string;
  /** KILN_STEP_TIMEOUT_SECONDS, in ms. */
  stepTimeoutMs: number;
  /** See StepCallOptions.watchdog: the host ends the process when user code outlives it. */
  watchdog?: (ms: number | undefined) => void;
}

export interface UserStep {
  trainer: BatchTrainer;
  hasTestStep: boolean;
  /** The step's further models with their optimizers, in the spec's order. */
  extras: ExtraModel[];
  /** Fit's callbacks the step brings: its own state's, when the module keeps one. */
  callbacks: Callback[];
  /** Frees the further models and optimizers. */
  dispose(): void;
}

/** Loads a run's train_step module and makes it fit's trainer; refused when the host runs no user code. */
export async function prepareUserStep(
  spec: TrainStepSpec,
  host: UserCodeHost | undefined,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  heads: OutputHead[],
  seed: number,
): Promise<UserStep> {
  if (!host) {
    throw KilnError.invalidSpec(
      'trainStep: this worker does not run user code (KILN_ALLOW_USER_CODE is off on it)',
      'trainStep',
    );
  }
  const module = await loadStepModule(spec, host.dir);
  // Each further model draws its initial weights from a seed of its own, derived from the run's.
  const extras: ExtraModel[] = Object.entries(spec.models ?? {}).map(([name, entry], i) => ({
    name,
    model: buildModel(entry.model, { seed: seed + 1 + i }),
    optimizer: createOptimizer(entry.optimizer),
  }));
  const trainer = userTrainer({
    model,
    optimizer,
    module,
    extras,
    timeoutMs: host.stepTimeoutMs,
    watchdog: host.watchdog,
    compiledEvaluate: (data, batchSize, prefix) => evaluateData(model, heads, data, batchSize, prefix),
  });
  const { getState, setState } = module;
  return {
    trainer,
    hasTestStep: module.testStep !== undefined,
    extras,
    callbacks: getState && setState ? [new StepStateCallback({ getState, setState, file: module.file })] : [],
    dispose() {
      for (const extra of extras) {
        extra.optimizer.dispose();
        extra.model.dispose();
      }
    },
  };
}
