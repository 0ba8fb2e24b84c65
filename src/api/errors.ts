/** One entry of an error's details: which field, and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * An error the api answers with on purpose: a status, a stable code and a message safe to show.
 * The error handler turns it into `{"error": {"code", "message", "details"}}`.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  static badRequest(errors: FieldError[], code = 'invalid_request'): ApiError {
    const first = errors[0];
    const message = first ? `${first.path}: ${first.message}` : 'invalid request';
    return new ApiError(400, code, errors.length > 1 ? `${message} (and ${errors.length - 1} more)` : message, errors);
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError(404, 'not_found', `${what} ${id} does not exist`);
  }

  static conflict(message: string): ApiError {
    return new ApiError(409, 'conflict', message);
  }
}

/** What the api answers for a value holding a NUL, which PostgreSQL can store in neither text nor jsonb. */
export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
