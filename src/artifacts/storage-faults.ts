import type { Readable } from 'node:stream';
import { KilnError } from '../domain/errors.ts';
import type { ArtifactStore } from './artifact-store.ts';

/** What a filesystem error code means for the store, in words a client may see (no server paths). */
const FS_FAULTS: Record<string, string> = {
  ENOSPC: 'the artifact store is full (no space left on device)',
  EDQUOT: 'the artifact store is over its disk quota',
  EROFS: 'the artifact store is read-only',
  EACCES: 'the artifact store refused access (permission denied)',
  EPERM: 'the artifact store refused access (operation not permitted)',
  EIO: 'the artifact store had an I/O error',
  EMFILE: 'the artifact store ran out of file handles',
  ENFILE: 'the artifact store ran out of file handles',
  EBUSY: 'the artifact store is busy',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * A storage failure as a KilnError (`storage_unavailable`, 503), or undefined for anything else (a
 * missing key, a bug). These are faults of the place, not of the request or the run: a full disk, a
 * read-only mount, an object store that answers 5xx or not at all. A worker retries the run like a
 * crash (it resumes from its last good checkpoint); the api answers 503. The message names the cause
 * and never the path, which is the server's business.
 */
export function storageFault(error: unknown): KilnError | undefined {
  if (error instanceof KilnError) return undefined;
  const e = error as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  const fs = e?.code ? FS_FAULTS[e.code] : undefined;
  if (fs) return new KilnError('storage_unavailable', fs, { status: 503, cause: error, details: { cause: e.code } });
  if (e?.code && NETWORK_CODES.has(e.code))
    return new KilnError('storage_unavailable', `the artifact store is unreachable (${e.code})`, {
      status: 503,
      cause: error,
      details: { cause: e.code },
    });
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 403 || status === 429))
    return new KilnError('storage_unavailable', `the object store answered ${status} (${e.name ?? 'error'})`, {
      status: 503,
      cause: error,
      details: { cause: e.name, httpStatus: status },
    });
  return undefined;
}

/** Any store, with its storage faults raised as `storage_unavailable` KilnErrors (see storageFault). */
export function withStorageFaults(store: ArtifactStore): ArtifactStore {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw storageFault(error) ?? error;
    }
  };
  return {
    put: (key: string, data: Uint8Array | string) => guard(() => store.put(key, data)),
    putStream: (key: string, stream: Readable) => guard(() => store.putStream(key, stream)),
    get: (key: string) => guard(() => store.get(key)),
    getStream: (key: string) => guard(() => store.getStream(key)),
    exists: (key: string) => guard(() => store.exists(key)),
    size: (key: string) => guard(() => store.size(key)),
    list: (prefix: string) => guard(() => store.list(prefix)),
    deletePrefix: (prefix: string) => guard(() => store.deletePrefix(prefix)),
    close: () => store.close?.(),
  };
}
