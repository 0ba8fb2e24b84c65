/** Caps that protect the server from archives and gzip files that expand enormously. */
export interface SizeLimits {
  /** Most entries a ZIP may hold. */
  maxFiles?: number;
  /** Most bytes all entries of a ZIP (or a gunzipped file) may expand to. */
  maxUncompressedBytes?: number;
}

export const DEFAULT_MAX_FILES = 200_000;
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024;

/** Fills in defaults for unset limits. */
export function resolveLimits(limits: SizeLimits = {}): Required<SizeLimits> {
  return {
    maxFiles: limits.maxFiles ?? DEFAULT_MAX_FILES,
    maxUncompressedBytes: limits.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES,
  };
}
