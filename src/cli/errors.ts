import { EXIT } from './exit-codes.ts';

/** One entry of an api error's details: the field and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** A failure the CLI reports to the user as is: a message, extra lines, and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly lines: string[] = [],
  ) {
    super(message);
  }
}

/** An error answer of the api: `{"error": {code, message, details}}` with its HTTP status. */
export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    const fields = fieldErrors(details);
    // With field errors, the message only repeats the first: list them all under one headline instead.
    super(
      fields.length ? `the server refused the request (${status} ${code}), ${fields.length === 1 ? '1 error' : `${fields.length} errors`}:` : message,
      status === 401 ? EXIT.unauthorized : EXIT.failed,
      fields.map((d) => `  ${d.path}: ${d.message}`),
    );
    this.apiMessage = message;
  }

  /** The api's own message (the CLI's headline differs when field errors are listed). */
  readonly apiMessage: string;
}

/** The field errors in an api error's details, if it lists any. */
export function fieldErrors(details: unknown): FieldError[] {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is FieldError => typeof d?.path === 'string' && typeof d?.message === 'string');
}

/** A usage mistake (unknown flag, missing argument): exit code 2. */
export const usageError = (message: string) => new CliError(message, EXIT.usage);
