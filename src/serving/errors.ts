import { KilnError } from '../domain/errors.ts';

/**
 * The errors of the predict path. Kiln's routes render them in the documented envelope (`details` a
 * list of {path, message}); the TensorFlow Serving routes render the same error as `{"error": message}`.
 */
export const servingErrors = {
  /**
   * Wrong rank, shape, type or a non-finite number at `path` (e.g. `instances[0].image`): the message
   * says what was expected and what was given; `facts` (expected and given shapes…) ride along on the issue.
   */
  invalidInput(path: string, message: string, facts: Record<string, unknown> = {}): KilnError {
    return new KilnError('invalid_input', `${path}: ${message}`, { issues: [{ path, message, ...facts }] });
  },

  tooManyInstances(path: string, given: number, max: number): KilnError {
    const message = `${given} instances in one request; at most ${max} are accepted (KILN_PREDICT_MAX_INSTANCES)`;
    return new KilnError('too_many_instances', message, { status: 413, issues: [{ path, message, given, max }] });
  },

  /**
   * A 503: the model's queue already holds as many instances as may wait (KILN_SERVING_MAX_QUEUE), so
   * this request would only add latency for everyone; the client retries after `retryAfterSeconds`.
   */
  queueFull(model: string, queued: number, max: number, retryAfterSeconds: number): KilnError {
    const message = `model ${model} is busy: ${queued} instances are queued and at most ${max} may wait (KILN_SERVING_MAX_QUEUE); retry after ${retryAfterSeconds} s`;
    return new KilnError('overloaded', message, {
      status: 503,
      retryAfterSeconds,
      details: { queued, max, setting: 'KILN_SERVING_MAX_QUEUE' },
    });
  },

  modelNotFound(ref: string): KilnError {
    return new KilnError('not_found', `model ${ref} does not exist`, { status: 404 });
  },
};
