import { createHash } from 'node:crypto';
import { addAbortSignal, pipeline, Transform, type Readable } from 'node:stream';
import { KilnError } from '../domain/errors.ts';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { IngestRequest, IngestResult } from '../domain/ingestion.ts';
import { parseDatasetLazily, type ParseDatasetOptions } from './formats/index.ts';
import type { DatasetFile } from './formats/types.ts';
import { describeDataset, writeStoredDataset } from './storage.ts';
import { streamedNpyDataset, streamsAsNpy } from './ingest-npy-stream.ts';
import { openGuardedUrl } from './url-guard.ts';

/** The artifact-store prefix of a dataset's stored arrays. */
export const datasetPrefix = (id: string) => `datasets/${id}`;
/** Where uploaded files wait for ingestion. */
export const uploadPrefix = (id: string) => `uploads/${id}`;

/** A dataset that cannot be ingested as given (too large, a failed download, a wrong checksum); the message is shown to the user. */
const ingestError = (message: string) => new KilnError('ingest_refused', message);

/** Settles as `work` does, or rejects with the signal's reason as soon as it is aborted. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * The artifact store as an ingestion uses it: every read and write first checks the signal, and a stream
 * being written is destroyed when it aborts, so an ingestion stops at its next step. A write under way
 * is not cut short otherwise: it ends before the ingestion's clean-up starts, leaving nothing behind.
 */
function abortable(store: ArtifactStore, signal: AbortSignal | undefined): ArtifactStore {
  if (!signal) return store;
  const checked =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      signal.throwIfAborted();
      return method.apply(store, args);
    };
  return {
    put: checked(store.put),
    putStream: checked((key: string, stream: Readable) => store.putStream(key, addAbortSignal(signal, stream))),
    get: checked(store.get),
    getStream: checked(store.getStream),
    exists: checked(store.exists),
    size: checked(store.size),
    list: checked(store.list),
    // Clean-up is never stopped.
    deletePrefix: (prefix) => store.deletePrefix(prefix),
  };
}

/**
 * Downloads a URL's body into the store beside uploads (uploads/<id>/<name>), as a stream: a download
 * is never whole in memory, and is then read like an upload. Answers its key.
 */
async function download(
  payload: IngestRequest,
  source: { url: string },
  io: ArtifactStore,
  signal?: AbortSignal,
): Promise<string> {
  // The guard checks every redirect hop and the address each connection actually uses (not a DNS answer
  // looked up beforehand, which a rebinding DNS server could change before the connection is made).
  const opening = openGuardedUrl(source.url, { allowPrivate: payload.limits.allowPrivateUrls });
  const { url, response } = await unlessAborted(opening, signal).catch((error: unknown) => {
    // Stopped while connecting: a response that still comes is closed unread.
    void opening.then(
      ({ response: late }) => late.destroy(),
      () => undefined,
    );
    throw error;
  });
  const limit = payload.limits.maxDownloadBytes;
  const tooLarge = () => ingestError(`${source.url} is larger than the ${limit / 1024 / 1024} MB upload limit`);
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    response.destroy();
    throw ingestError(`downloading ${url.href} failed: HTTP ${status}`);
  }
  if (Number(response.headers['content-length']) > limit) {
    response.destroy();
    throw tooLarge();
  }
  // A slow body (a trickling server) is cut off when the ingestion is stopped.
  if (signal) addAbortSignal(signal, response);
  let size = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.byteLength;
      if (size > limit) {
        response.destroy();
        done(tooLarge());
      } else done(null, chunk);
    },
  });
  const key = `${uploadPrefix(payload.datasetId)}/${safeName(downloadName(new URL(source.url), url))}`;
  // pipeline, not pipe: an aborted or failed response destroys the transform too, and the write fails.
  await io.putStream(
    key,
    pipeline(response, capped, () => undefined),
  );
  return key;
}

/** A download's name as an artifact key's last segment. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'download';

/** The file name a download is parsed as: the URL's own last segment, or the redirect target's when that has no extension. */
function downloadName(requested: URL, final: URL): string {
  const last = (u: URL) => {
    try {
      return decodeURIComponent(u.pathname.split('/').pop() ?? '');
    } catch {
      return u.pathname.split('/').pop() ?? '';
    }
  };
  const asked = last(requested);
  return (/\.[A-Za-z0-9]+$/.test(asked) ? asked : last(final) || asked) || 'download';
}

/**
 * Reads a dataset's files (uploads or a URL), checks its checksum, parses and validates it, and stores
 * its arrays under datasets/<id>. On any failure nothing stays behind: neither arrays nor uploads.
 * `signal` stops it (the worker's time limit, a deleted dataset): it rejects with the signal's reason at
 * its next read, write or chunk of download.
 */
export async function ingestDataset(
  payload: IngestRequest,
  store: ArtifactStore,
  signal?: AbortSignal,
): Promise<IngestResult> {
  const prefix = datasetPrefix(payload.datasetId);
  const io = abortable(store, signal);
  try {
    const options = payload.options as ParseDatasetOptions;
    const keys =
      payload.source.kind === 'uploads' ? payload.source.keys : [await download(payload, payload.source, io, signal)];
    const checkSum = (sha256: string) => {
      if (payload.source.kind === 'url' && payload.source.sha256 && payload.source.sha256.toLowerCase() !== sha256)
        throw ingestError(`checksum mismatch: the download's sha256 is ${sha256}, expected ${payload.source.sha256}`);
    };
    if (streamsAsNpy(keys, options.format)) {
      const { dataset, sha256, sizeBytes } = await streamedNpyDataset(io, keys);
      checkSum(sha256);
      const meta = await writeStoredDataset(io, prefix, dataset);
      return { format: dataset.format, sha256, sizeBytes, meta: { ...meta, ...describeDataset(meta) } };
    }
    const files: DatasetFile[] = await Promise.all(
      keys.map(async (key) => ({ name: key.split('/').pop()!, data: new Uint8Array(await io.get(key)) })),
    );
    signal?.throwIfAborted();
    files.sort((a, b) => a.name.localeCompare(b.name));
    const hash = createHash('sha256');
    for (const file of files) hash.update(file.data);
    const sha256 = hash.digest('hex');
    checkSum(sha256);
    const limits = { maxUncompressedBytes: payload.limits.maxUncompressedBytes, maxFiles: payload.limits.maxFiles };
    // Image ZIPs decode while their arrays are written: a large set is never whole in memory. Their
    // rows are shuffled by a seed taken from the files' checksum: the same upload stores the same order.
    const shuffleSeed = parseInt(sha256.slice(0, 8), 16) % 2 ** 31;
    const csv = { ...options.csv, maxColumns: payload.limits.maxCsvColumns };
    const parsed = parseDatasetLazily(files, {
      ...options,
      csv,
      limits,
      imageZip: { ...options.imageZip, ...limits, shuffleSeed },
    });
    const meta = await writeStoredDataset(io, prefix, parsed);
    return {
      format: parsed.format,
      sha256,
      sizeBytes: files.reduce((n, f) => n + f.data.byteLength, 0),
      meta: { ...meta, ...describeDataset(meta) },
    };
  } catch (error) {
    await store.deletePrefix(prefix);
    throw error;
  } finally {
    await store.deletePrefix(uploadPrefix(payload.datasetId));
  }
}
