import { KilnError, type Issue } from '../domain/errors.ts';
import { EXIT } from './exit-codes.ts';

/** A failure the CLI reports to the user as is: a message, extra lines, and the exit code. */
export class CliError extends KilnError {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly lines: string[] = [],
    opts: { code?: string; status?: number; issues?: Issue[]; details?: unknown } = {},
  ) {
    super(opts.code ?? 'cli_error', message, opts);
  }
}

/** An error answer of the api: `{"error": {code, message, details}}` with its HTTP status. */
export class ApiRequestError extends CliError {
  constructor(status: number, code: string, message: string, details: unknown) {
    const fields = fieldErrors(details);
    // With field errors, the message only repeats the first: list them all under one headline instead.
    super(
      fields.length
        ? `the server refused the request (${status} ${code}), ${fields.length === 1 ? '1 error' : `${fields.length} errors`}:`
        : message,
      status === 401 ? EXIT.unauthorized : EXIT.failed,
      fields.map((d) => `  ${d.path}: ${d.message}`),
      { code, status, issues: fields, details },
    );
    this.apiMessage = message;
  }

  /** The api's own message (the CLI's headline differs when field errors are listed). */
  readonly apiMessage: string;
}

/** The field errors in an api error's details, if it lists any. */
function fieldErrors(details: unknown): Issue[] {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is Issue => typeof d?.path === 'string' && typeof d?.message === 'string');
}

/** A usage mistake (unknown flag, missing argument): exit code 2. */
export const usageError = (message: string) => new CliError(message, EXIT.usage);
