import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { KilnError } from '../../domain/errors.ts';
import type { TrainStepSpec } from '../../domain/run-spec/schema.ts';
import { UserCodeError } from './user-code-error.ts';

/** What a user's step receives: Keras' train_step(self, data) with the model, optimizer and tf handed in. */
export interface StepContext {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** The spec's further models (trainStep.models) by name, and their optimizers: a GAN's generator beside `model`. */
  models: Record<string, tf.LayersModel>;
  optimizers: Record<string, tf.Optimizer>;
  /** TensorFlow.js, the instance Kiln trains with (its kernels and backend): use it rather than importing one. */
  tf: typeof tf;
  /** The batch's inputs: a tensor for a single-input model, else one per input in model.inputNames order. */
  xs: tf.Tensor | tf.Tensor[];
  /** The batch's targets, likewise per output. */
  ys: tf.Tensor | tf.Tensor[];
  /** The rows' weights ([batch]) when the run names a sampleWeight array (Keras' data = (x, y, sample_weight)). */
  sampleWeight?: tf.Tensor;
  /** 0-based epoch and batch within it. */
  epoch: number;
  batch: number;
}

/** A step returns its metrics (numbers or one-element tensors, which Kiln reads and disposes), or a promise of them. */
export type StepFunction = (ctx: StepContext) => unknown;

export interface StepModule {
  trainStep: StepFunction;
  /** Absent: evaluation uses the compiled loss and metrics (Keras' default test_step). */
  testStep?: StepFunction;
  /** The step's own state (JSON) for checkpoints, and back on resume: both exported, or neither. */
  getState?: () => unknown;
  setState?: (state: unknown) => unknown;
  /** The module's file name, as its stack frames name it. */
  file: string;
}

/**
 * Writes the module into `dir` (a scratch directory of this process) and imports it: `.mjs`, or
 * `.mts` for TypeScript, whose types the tsx loader Kiln runs under strips (with source maps, so stack
 * traces name the user's lines). A module that does not load or exports no train step fails the run.
 */
export async function loadStepModule(spec: TrainStepSpec, dir: string): Promise<StepModule> {
  await mkdir(dir, { recursive: true });
  const file = spec.language === 'ts' ? 'train_step.mts' : 'train_step.mjs';
  const path = join(dir, file);
  await writeFile(path, spec.source);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw UserCodeError.thrown('the train_step module did not load', error, file);
  }
  const pick = (...names: string[]) => names.map((n) => exports[n]).find((f) => f !== undefined);
  const trainStep = pick('trainStep', 'train_step');
  const testStep = pick('testStep', 'test_step');
  if (typeof trainStep !== 'function') {
    throw KilnError.invalidSpec(
      `trainStep.source: the module exports no trainStep (or train_step) function (exports: ${Object.keys(exports).join(', ') || 'none'})`,
      'trainStep.source',
    );
  }
  if (testStep !== undefined && typeof testStep !== 'function') {
    throw KilnError.invalidSpec(
      'trainStep.source: testStep (test_step) is exported but is not a function',
      'trainStep.source',
    );
  }
  const getState = pick('getState', 'get_state');
  const setState = pick('setState', 'set_state');
  if ((getState === undefined) !== (setState === undefined) || [getState, setState].some(notAFunction)) {
    throw KilnError.invalidSpec(
      'trainStep.source: a step that keeps state exports both getState() and setState(state) functions (get_state, set_state)',
      'trainStep.source',
    );
  }
  return {
    trainStep: trainStep as StepFunction,
    testStep: testStep as StepFunction | undefined,
    getState: getState as StepModule['getState'],
    setState: setState as StepModule['setState'],
    file,
  };
}

const notAFunction = (value: unknown) => value !== undefined && typeof value !== 'function';
