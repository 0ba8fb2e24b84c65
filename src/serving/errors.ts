import { ApiError } from '../api/errors.ts';

/**
 * An error of the predict path, with the status it answers with. It is an ApiError so the api's error
 * handler renders it as usual, in the documented envelope (`details` a list of {path, message}); the
 * TensorFlow Serving routes render the same error as `{"error": message}`.
 */
export class ServingError extends ApiError {
  /**
   * Wrong rank, shape, type or a non-finite number at `path` (e.g. `instances[0].image`): the message
   * says what was expected and what was given; `facts` (expected and given shapes…) ride along on the detail.
   */
  static invalidInput(path: string, message: string, facts: Record<string, unknown> = {}): ServingError {
    return new ServingError(400, 'invalid_input', `${path}: ${message}`, [{ path, message, ...facts }]);
  }

  static tooManyInstances(path: string, given: number, max: number): ServingError {
    const message = `${given} instances in one request; at most ${max} are accepted (KILN_PREDICT_MAX_INSTANCES)`;
    return new ServingError(413, 'too_many_instances', message, [{ path, message, given, max }]);
  }

  static modelNotFound(ref: string): ServingError {
    return new ServingError(404, 'not_found', `model ${ref} does not exist`);
  }
}
