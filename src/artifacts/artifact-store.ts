import type { Readable } from 'node:stream';
import { KilnError } from '../domain/errors.ts';

/**
 * Where checkpoints, models, TensorBoard logs and datasets live. Keys are '/'-separated relative paths
 * such as `runs/<id>/model/model.json`. Workers write, the api reads; both only through this interface,
 * so a directory can be swapped for an object store without touching either.
 */
export interface ArtifactStore {
  put(key: string, data: Uint8Array | string): Promise<void>;
  putStream(key: string, stream: Readable): Promise<void>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Size in bytes of a stored artifact. */
  size(key: string): Promise<number>;
  /** Every key under a prefix (recursively), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes every key under a prefix; removing nothing is not an error. */
  deletePrefix(prefix: string): Promise<void>;
  /** Releases the connections the store holds, if any (the S3 client's sockets). */
  close?(): void;
}

/** Raised by get/getStream/size for a key that is not there. */
export function artifactNotFound(key: string): KilnError {
  return new KilnError('artifact_not_found', `artifact not found: ${key}`, { status: 404, details: { key } });
}

/** Whether an error says that a key is not in the store. */
export const isArtifactNotFound = (error: unknown): boolean =>
  error instanceof KilnError && error.code === 'artifact_not_found';

/** Rejects keys that could escape the store (absolute, `..`, empty segments). */
export function assertSafeKey(key: string): void {
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) {
    throw new Error(`unsafe artifact key: ${JSON.stringify(key)}`);
  }
}
