import * as tf from '@tensorflow/tfjs';
import type { Logs } from '../training/callback.ts';
import type { StepContext, StepFunction } from './load-step-module.ts';
import { UserCodeError } from './user-code-error.ts';

export interface StepCallOptions {
  /** The module's file name, to pick its frames out of a stack trace. */
  file: string;
  /** KILN_STEP_TIMEOUT_SECONDS, in ms: an asynchronous step past it fails here. */
  timeoutMs: number;
  /**
   * Tells the host that user code runs for at most this many ms from now (undefined: no longer runs).
   * A synchronous step that never returns blocks this thread, so only the host can end it.
   */
  watchdog?: (ms: number | undefined) => void;
}

type StepName = 'train_step' | 'test_step';

/**
 * Calls a user's step and returns the metrics it reported, or throws a UserCodeError when it throws,
 * outlives the timeout, returns anything but metrics, or leaves tensors behind (which would exhaust
 * memory a batch at a time). Variables are not counted: optimizers make their slots on the first update.
 */
export async function callStep(
  name: StepName,
  fn: StepFunction,
  ctx: StepContext,
  opts: StepCallOptions,
): Promise<Logs> {
  const before = liveTensors();
  opts.watchdog?.(opts.timeoutMs);
  let result: unknown;
  try {
    result = fn(ctx);
    if (isThenable(result)) result = await withTimeout(result, opts.timeoutMs, name);
  } catch (error) {
    if (error instanceof UserCodeError) throw error;
    throw UserCodeError.thrown(`${name} threw`, error, opts.file);
  } finally {
    opts.watchdog?.(undefined);
  }
  const logs = readMetrics(name, result);
  const leaked = liveTensors() - before;
  if (leaked > 0) {
    throw new UserCodeError(
      `${name} left ${leaked} tensor(s) undisposed in one batch: run its work inside tf.tidy(() => ...) and return the metrics out of it, or dispose what it makes`,
    );
  }
  return logs;
}

/** Tensors that are not variables. */
function liveTensors(): number {
  return tf.memory().numTensors - Object.keys(tf.engine().registeredVariables).length;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

async function withTimeout<T>(promise: PromiseLike<T>, ms: number, name: StepName): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserCodeError(
            `${name} did not return within ${ms / 1000} s (KILN_STEP_TIMEOUT_SECONDS); the run is stopped`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keras' train_step returns a dict of metric values: here an object of numbers or one-element tensors.
 * Tensors are read and disposed (also when another value is wrong, so a failing run leaks nothing),
 * variables only read.
 */
function readMetrics(name: StepName, result: unknown): Logs {
  const entries = isPlainObject(result) ? Object.entries(result) : [];
  try {
    if (entries.length === 0) {
      throw new UserCodeError(
        `${name} returned ${describe(result)}: return the batch's metrics as an object, e.g. {loss: lossTensor, accuracy: 0.9}`,
      );
    }
    const logs: Logs = {};
    for (const [key, value] of entries) {
      if (typeof value === 'number') logs[key] = value;
      else if (value instanceof tf.Tensor && value.size === 1 && !value.isDisposed) logs[key] = value.dataSync()[0]!;
      else {
        throw new UserCodeError(
          `${name} returned ${key}: ${describe(value)}; a metric is a number or a one-element tensor`,
        );
      }
    }
    return logs;
  } finally {
    // A variable returned as a metric (a model's scalar weight) is read, never disposed.
    const returned = entries.map(([, v]) => v);
    tf.dispose(returned.filter((v): v is tf.Tensor => v instanceof tf.Tensor && !(v instanceof tf.Variable)));
  }
}

function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return value.isDisposed ? 'a disposed tensor' : `a tensor of shape [${value.shape}]`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 50))}`;
  if (isPlainObject(value)) return 'an empty object';
  return typeof value === 'object' ? 'an object' : String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof tf.Tensor);
}
