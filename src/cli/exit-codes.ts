/** The kiln command's exit codes, so scripts can tell why it stopped. */
export const EXIT = {
  ok: 0,
  /** The run failed or was canceled, a dataset failed to ingest, or the api refused the request. */
  failed: 1,
  /** Bad command line or an unreadable file. */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** The server refused the token (or none was given). */
  unauthorized: 4,
  /** Ctrl-C: detached from a run that goes on. */
  interrupted: 130,
} as const;
