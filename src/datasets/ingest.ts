import { createHash } from 'node:crypto';
import { KilnError } from '../domain/errors.ts';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { IngestRequest, IngestResult } from '../domain/ingestion.ts';
import { parseDatasetLazily, type ParseDatasetOptions } from './formats/index.ts';
import type { DatasetFile } from './formats/types.ts';
import { describeDataset, writeStoredDataset } from './storage.ts';
import { openGuardedUrl } from './url-guard.ts';

/** The artifact-store prefix of a dataset's stored arrays. */
export const datasetPrefix = (id: string) => `datasets/${id}`;
/** Where uploaded files wait for ingestion. */
export const uploadPrefix = (id: string) => `uploads/${id}`;

/** A dataset that cannot be ingested as given (too large, a failed download, a wrong checksum); the message is shown to the user. */
const ingestError = (message: string) => new KilnError('ingest_refused', message);

async function download(payload: IngestRequest, source: { url: string }): Promise<DatasetFile> {
  // The guard checks every redirect hop and the address each connection actually uses (not a DNS answer
  // looked up beforehand, which a rebinding DNS server could change before the connection is made).
  const { url, response } = await openGuardedUrl(source.url, { allowPrivate: payload.limits.allowPrivateUrls });
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
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return { name: downloadName(new URL(source.url), url), data: new Uint8Array(Buffer.concat(chunks)) };
}

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
 */
export async function ingestDataset(payload: IngestRequest, store: ArtifactStore): Promise<IngestResult> {
  const prefix = datasetPrefix(payload.datasetId);
  try {
    const files: DatasetFile[] =
      payload.source.kind === 'uploads'
        ? await Promise.all(
            payload.source.keys.map(async (key) => ({
              name: key.split('/').pop()!,
              data: new Uint8Array(await store.get(key)),
            })),
          )
        : [await download(payload, payload.source)];
    files.sort((a, b) => a.name.localeCompare(b.name));
    const hash = createHash('sha256');
    for (const file of files) hash.update(file.data);
    const sha256 = hash.digest('hex');
    if (payload.source.kind === 'url' && payload.source.sha256 && payload.source.sha256.toLowerCase() !== sha256) {
      throw ingestError(`checksum mismatch: the download's sha256 is ${sha256}, expected ${payload.source.sha256}`);
    }
    const limits = { maxUncompressedBytes: payload.limits.maxUncompressedBytes, maxFiles: payload.limits.maxFiles };
    const options = payload.options as ParseDatasetOptions;
    // Image ZIPs decode while their arrays are written: a large set is never whole in memory.
    const parsed = parseDatasetLazily(files, { ...options, limits, imageZip: { ...options.imageZip, ...limits } });
    const meta = await writeStoredDataset(store, prefix, parsed);
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
