/**
 * Kiln's one error type. Every error Kiln raises on purpose — a spec it cannot train, a file it
 * cannot read, a model that does not exist — is a KilnError: a stable `code` clients branch on, a
 * `message` safe to show, the `issues` (which field, and what is wrong with it) and the HTTP status it
 * stands for. The api maps it to HTTP in one place (api/plugins/infra/error-handler.ts), TensorFlow
 * Serving's routes in another (api/routes/tf-serving/errors.ts); the worker writes it to the run.
 * Anything that is not a KilnError is a bug and is shown as "internal server error".
 */

/** One thing wrong with a request or a spec: where (`fit.epochs`, `layers[2].units`), and what. */
export interface Issue {
  path: string;
  message: string;
  /** Facts a client may use (expected and given shapes, the aliases in the way…). */
  [fact: string]: unknown;
}

export interface KilnErrorOptions {
  /** The HTTP status this error stands for (default 400: the caller's mistake). */
  status?: number;
  issues?: Issue[];
  /** Extra machine-readable facts when there is no field to name (e.g. a dataset file's row). */
  details?: unknown;
  cause?: unknown;
  /** For a refusal that passes (a full queue): when to try again, sent as HTTP's `Retry-After`. */
  retryAfterSeconds?: number;
}

export class KilnError extends Error {
  override name = 'KilnError';
  readonly status: number;
  readonly issues: Issue[];
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: string,
    message: string,
    opts: KilnErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = opts.status ?? 400;
    this.issues = opts.issues ?? [];
    if (opts.details !== undefined) this.details = opts.details;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** A 400 listing what is wrong; its message is the first issue (and how many more there are). */
  static invalid(issues: Issue[], code = 'invalid_request'): KilnError {
    return new KilnError(code, issuesMessage(issues), { issues });
  }

  /**
   * A run spec that cannot be trained as given (`invalid_spec`): the message is shown as it is, and
   * `path` points into the spec. Retrying cannot help, so a worker fails the run at once with it.
   */
  static invalidSpec(message: string, path?: string): KilnError {
    return new KilnError('invalid_spec', message, { issues: path ? [{ path, message }] : [] });
  }

  /** A 400 for one field. */
  static field(path: string, message: string, code = 'invalid_request'): KilnError {
    return KilnError.invalid([{ path, message }], code);
  }

  static notFound(what: string, id: string): KilnError {
    return new KilnError('not_found', `${what} ${id} does not exist`, { status: 404 });
  }

  static conflict(message: string, issues?: Issue[]): KilnError {
    return new KilnError('conflict', message, { status: 409, issues });
  }

  /** Whether the caller can fix it (a 4xx), as opposed to Kiln or its infrastructure failing. */
  get isUserError(): boolean {
    return this.status < 500;
  }
}

/** `path: message`, plus "(and N more)" when there are several. */
export function issuesMessage(issues: Issue[]): string {
  const first = issues[0];
  const message = first ? `${first.path}: ${first.message}` : 'invalid request';
  return issues.length > 1 ? `${message} (and ${issues.length - 1} more)` : message;
}
