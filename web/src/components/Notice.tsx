/** An error (role=alert) or an information line. */
export const ErrorNote = ({ error }: { error: unknown }) =>
  error ? (
    <p class="error-note" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  ) : null;
