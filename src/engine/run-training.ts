import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { OpenedDataset } from '../domain/dataset.ts';
import { KilnError } from '../domain/errors.ts';
import type { ServingPreprocessing, TrainedModel } from '../domain/model.ts';
import type { FeatureColumn } from '../domain/dataset.ts';
import type { RunEventDraft } from '../domain/run-event.ts';
import type { RunSpec } from '../domain/run-spec/schema.ts';
import { buildModel } from './model/index.ts';
import { resolveHeads } from './training/heads.ts';
import { createOptimizer } from './training/optimizer.ts';
import { openRunData, type RunData } from './training/run-data.ts';
import type { Preprocessing } from './data/preprocess.ts';
import { fit } from './training/fit.ts';
import type { Callback, EpochRecord } from './training/callback.ts';
import { CheckpointStore } from './training/checkpoint-store.ts';
import { artifactIOHandler } from './io/artifact-io-handler.ts';
import { ProgressCallback } from './callbacks/progress.ts';
import { StopSignalCallback } from './callbacks/stop-signal.ts';
import { usableReplicas } from './training/parallel/replicas.ts';
import { MaxRuntimeCallback } from './callbacks/max-runtime.ts';
import { LatestCheckpointCallback } from './callbacks/latest-checkpoint.ts';
import { userCallbacks } from './callbacks/index.ts';
import { evaluateModel } from './training/evaluate.ts';
import { modelSignature } from './model-signature.ts';
import type { TransferModelSpec } from './model/types.ts';
import { loadBaseWeights } from './training/base-weights.ts';
import type { BatchSource } from './training/batch-source.ts';
import { prepareUserStep, type UserCodeHost, type UserStep } from './custom-step/prepare-user-step.ts';
import { UserCodeError } from './custom-step/user-code-error.ts';
import { rm } from 'node:fs/promises';
import { finalizeVariableValues } from './training/ema.ts';
import { trainableVariables } from './training/train-step.ts';

export interface TrainingJob {
  runId: string;
  /** The spec as the api validated it: normalised and defaulted (domain/run-spec/parse.ts for other callers). */
  spec: RunSpec;
  /** The dataset a spec names by id, opened by the worker (absent for inline data). */
  data?: OpenedDataset;
  /** The run's validationData and testData, opened by the worker like its dataset. */
  validationData?: OpenedDataset;
  testData?: OpenedDataset;
}

/** What the engine needs from the process that hosts it; it knows nothing else of the outside. */
export interface TrainingEnvironment {
  artifacts: ArtifactStore;
  emit(event: RunEventDraft): void;
  /** Fires when the user cancels the run. */
  cancel: AbortSignal;
  /** Fires when the worker shuts down: stop at a batch boundary with a checkpoint, to resume later. */
  interrupt: AbortSignal;
  /** Upper bound of batch events per second (default 4; the last batch of an epoch is always reported). */
  maxBatchEventsPerSec?: number;
  /**
   * KILN_TRAINING_THREADS: data-parallel replicas of the model, one thread each, sharing every batch
   * (default 1). Used on the wasm and cpu backends; the native backend spreads over the cores itself.
   */
  replicas?: number;
  /** KILN_ALLOW_USER_CODE: how a run's trainStep module runs here; absent, a run carrying one fails. */
  userCode?: UserCodeHost;
}

export type TrainingOutcome =
  | {
      status: 'succeeded';
      /** Where the model is, its signature, and what serving needs to treat raw inputs as training did (none after an evaluation only). */
      model?: TrainedModel;
      epochs: number;
      stoppedEarly: boolean;
    }
  | { status: 'canceled' }
  | { status: 'interrupted' }
  /** fit.maxRuntimeSeconds ran out; the latest checkpoint holds where it stopped. */
  | { status: 'timeout'; maxRuntimeSeconds: number; epochs: number };

/** The artifact-store prefix of everything one run writes. */
export const runPrefix = (runId: string) => `runs/${runId}`;

/** A seed derived from the run id, so that retries of one run without an explicit seed still agree. */
function defaultSeed(runId: string): number {
  let h = 2166136261;
  for (const c of runId) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % 2 ** 31;
}

/**
 * Trains one run from its spec: builds the model, resumes from the latest checkpoint if one exists,
 * fits with the run's callbacks and saves the trained model. Every tensor it creates is freed.
 */
export async function runTraining(job: TrainingJob, env: TrainingEnvironment): Promise<TrainingOutcome> {
  const { spec } = job;
  const seed = spec.fit.seed ?? defaultSeed(job.runId);
  // Dropout and other random ops draw from Math.random when given no seed: make it the run's generator
  // (this process trains one run and nothing else).
  let rng = seedrandom(String(seed), { state: true });
  Math.random = rng;
  const prefix = runPrefix(job.runId);
  const tensorsBefore = tf.memory().numTensors;

  let model: tf.LayersModel | undefined;
  let optimizer: tf.Optimizer | undefined;
  let data: RunData | undefined;
  let user: UserStep | undefined;
  try {
    model = asSpecError(() => buildModel(spec.model as never, { seed }));
    const heads = asSpecError(() => resolveHeads(model!.outputNames, spec.compile));
    const io = {
      inputNames: model.inputNames,
      outputNames: model.outputNames,
      inputShape: model.inputs[0]!.shape.slice(1) as number[],
      outputShapes: model.outputs.map((t) => t.shape.slice(1) as number[]),
      outputUnits: model.outputs[0]!.shape.at(-1) as number,
    };
    if (spec.model.type === 'transfer') {
      const base = (spec.model as TransferModelSpec).resolved!;
      const copied = await loadBaseWeights(model, env.artifacts, base.path);
      env.emit({
        type: 'log',
        data: { level: 'info', message: `started from ${copied} layer(s) of model ${base.modelId}` },
      });
    }
    data = openRunData(spec, job.data, io, heads, { validation: job.validationData, test: job.testData });
    for (const log of data.logs ?? []) env.emit({ type: 'log', data: log });
    optimizer = createOptimizer(spec.compile.optimizer);
    user = spec.trainStep
      ? await prepareUserStep(spec.trainStep, env.userCode, model, optimizer, heads, seed)
      : undefined;
    if (user) {
      const evaluation = user.hasTestStep ? 'its test_step' : 'the compiled loss and metrics';
      env.emit({
        type: 'log',
        data: { level: 'info', message: `training with the run's train_step; evaluating with ${evaluation}` },
      });
    }
    // Keras' evaluate runs test_step: the user's when the module has one, else the compiled loss and metrics.
    const evaluateTest = async (test: BatchSource) =>
      user?.hasTestStep
        ? { metrics: await user.trainer.evaluate(test, spec.fit.batchSize), samples: test.size }
        : await evaluateModel(model!, heads, test, spec.fit.batchSize);
    if (spec.fit.epochs === 0) {
      // Evaluation only (Keras' model.evaluate): nothing trains, so no model is registered.
      if (data.test) env.emit({ type: 'evaluation', data: { ...(await evaluateTest(data.test)) } });
      return { status: 'succeeded', epochs: 0, stoppedEarly: false };
    }

    const checkpoints = new CheckpointStore(env.artifacts, prefix, user?.extras);
    const initialState = await checkpoints.restore('latest', model, optimizer);
    if (initialState) {
      env.emit({
        type: 'log',
        data: {
          level: 'info',
          message: `resuming from checkpoint at epoch ${initialState.epoch + 1}, batch ${initialState.batch}`,
        },
      });
    }

    const callbacks: Callback[] = [
      new StopSignalCallback([
        { signal: env.cancel, reason: 'canceled' },
        { signal: env.interrupt, reason: 'interrupted' },
      ]),
      ...(spec.fit.maxRuntimeSeconds ? [new MaxRuntimeCallback(spec.fit.maxRuntimeSeconds)] : []),
      new ProgressCallback(env.emit, env.maxBatchEventsPerSec),
      ...userCallbacks(spec.callbacks, { artifacts: env.artifacts, prefix, checkpoints, emit: env.emit }),
      ...(user?.callbacks ?? []),
      new LatestCheckpointCallback(checkpoints, (saved) => env.emit({ type: 'checkpoint', data: { ...saved } })),
    ];
    const result = await fit(model, optimizer, heads, data.train, data.validation, {
      epochs: spec.fit.epochs,
      batchSize: spec.fit.batchSize,
      shuffle: spec.fit.shuffle,
      seed,
      classWeight: spec.fit.classWeight,
      callbacks,
      initialState,
      // A user's step computes its own gradients, on this thread.
      replicas: user ? 1 : dataParallelReplicas(env),
      trainer: user?.trainer,
      rng: {
        state: () => rng.state(),
        restore: (s) => {
          rng = seedrandom('', { state: s as seedrandom.State.Arc4 });
          Math.random = rng;
        },
      },
    });
    if (result.stopReason === 'canceled') return { status: 'canceled' };
    if (result.stopReason === 'interrupted') return { status: 'interrupted' };
    if (result.stopReason === 'timeout')
      return { status: 'timeout', maxRuntimeSeconds: spec.fit.maxRuntimeSeconds!, epochs: lastEpoch(result.history) };

    // fit finalized the run's optimizer (Keras' finalize_variable_values: EMA); the step's others likewise.
    for (const extra of user?.extras ?? []) finalizeVariableValues(extra.optimizer, trainableVariables(extra.model));
    if (data.test) env.emit({ type: 'evaluation', data: { ...(await evaluateTest(data.test)) } });
    const modelPath = `${prefix}/model`;
    await model.save(artifactIOHandler(env.artifacts, modelPath));
    // The step's further models are kept with the run's artifacts (only the run's model is registered).
    for (const extra of user?.extras ?? [])
      await extra.model.save(artifactIOHandler(env.artifacts, `${prefix}/models/${extra.name}`));
    return {
      status: 'succeeded',
      model: {
        path: modelPath,
        signature: modelSignature(model),
        ...(data.classes ? { labels: data.classes } : {}),
        ...servingPreprocessing(data.preprocess, data.featureColumns),
      },
      epochs: lastEpoch(result.history),
      stoppedEarly: result.stopReason === 'early-stopping',
    };
  } catch (error) {
    // The user's code failed: its stack (its own frames) goes to the run's log, the one-line message to its error.
    if (error instanceof UserCodeError) env.emit({ type: 'log', data: { level: 'error', message: error.userStack } });
    throw error;
  } finally {
    user?.dispose();
    if (env.userCode && spec.trainStep) await rm(env.userCode.dir, { recursive: true, force: true });
    await data?.dispose();
    optimizer?.dispose();
    model?.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0)
      env.emit({ type: 'log', data: { level: 'warn', message: `${leaked} tensors were not freed after training` } });
  }
}

/** The replica count to train with: threads only pay off on the single-threaded backends. */
function dataParallelReplicas(env: TrainingEnvironment): number {
  const wanted = env.replicas ?? 1;
  const backend = tf.getBackend();
  const replicas = usableReplicas(wanted, backend);
  if (replicas === wanted) return replicas;
  env.emit({
    type: 'log',
    data: {
      level: 'info',
      message: `training on one thread: replicas (${wanted}) are for the wasm and cpu backends, not '${backend}'`,
    },
  });
  return 1;
}

function servingPreprocessing(
  p: Preprocessing | undefined,
  featureColumns: FeatureColumn[] | undefined,
): { preprocessing?: ServingPreprocessing } {
  const columns = featureColumns ? { columns: featureColumns } : {};
  if (p?.kind === 'scale') return { preprocessing: { scale: p.scale, ...columns } };
  if (p?.kind === 'standardize')
    return { preprocessing: { mean: Array.from(p.mean), std: Array.from(p.std), ...columns } };
  return featureColumns ? { preprocessing: columns } : {};
}

function lastEpoch(history: EpochRecord[]): number {
  return history.at(-1)?.epoch ?? 0;
}

/**
 * Building the model from the spec: what fails there is the spec's fault (the api's checks
 * let it through), so it fails the run for good instead of being retried.
 */
function asSpecError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof KilnError) throw error;
    throw KilnError.invalidSpec(`dataset: ${(error as Error).message}`, 'dataset');
  }
}
