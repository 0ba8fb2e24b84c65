/** Caps that keep a hostile file from exhausting memory or CPU; every reader takes them. */
export interface KerasFileLimits {
  /** Total uncompressed bytes of all zip members together (declared and actually inflated). */
  maxUncompressedBytes: number;
  /** Number of members a .keras zip may have (Keras writes 3, plus assets for some layers). */
  maxZipMembers: number;
  /** Total bytes of HDF5 dataset values read (weights), checked from dataset shapes before reading. */
  maxWeightBytes: number;
  /** Number of HDF5 groups and datasets visited while walking a weights file. */
  maxHdf5Objects: number;
}

// Kiln's default parameter budget is 50 million (200 MB of float32); Keras files also carry optimizer
// slots (twice that again for Adam), so the zip cap leaves room for them.
export const DEFAULT_LIMITS: KerasFileLimits = {
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxZipMembers: 1000,
  maxWeightBytes: 512 * 1024 * 1024,
  maxHdf5Objects: 100_000,
};

/** Fills the limits the caller left out with the defaults. */
export function resolveLimits(limits: Partial<KerasFileLimits> = {}): KerasFileLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** Human-readable byte count for messages. */
export function showBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
