/**
 * An error in what the user asked for (a spec that cannot be built or trained as given). Retrying
 * cannot help, so the worker fails the run at once with this message; `path` points into the spec.
 */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}
