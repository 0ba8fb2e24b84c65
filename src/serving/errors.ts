import { ApiError } from '../api/errors.ts';

/**
 * An error of the predict path, with the status it answers with. It is an ApiError so the api's error
 * handler renders it as usual; the TensorFlow Serving routes render the same error as `{"error": message}`.
 */
export class ServingError extends ApiError {
  /** Wrong rank, shape, type or a non-finite number: says what was expected and what was given. */
  static invalidInput(message: string, details?: unknown): ServingError {
    return new ServingError(400, 'invalid_input', message, details);
  }

  static tooManyInstances(given: number, max: number): ServingError {
    return new ServingError(413, 'too_many_instances', `${given} instances in one request; at most ${max} are accepted (KILN_PREDICT_MAX_INSTANCES)`, {
      given,
      max,
    });
  }

  static modelNotFound(ref: string): ServingError {
    return new ServingError(404, 'not_found', `model ${ref} does not exist`);
  }
}
