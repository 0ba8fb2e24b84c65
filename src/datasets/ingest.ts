import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import type { IngestJobPayload, IngestResult } from '../queue/contracts.ts';
import { parseDatasetLazily, type ParseDatasetOptions } from './formats/index.ts';
import type { DatasetFile } from './formats/types.ts';
import { describeDataset, writeStoredDataset } from './storage.ts';
import { assertFetchableUrl } from './url-guard.ts';

/** The artifact-store prefix of a dataset's stored arrays. */
export const datasetPrefix = (id: string) => `datasets/${id}`;
/** Where uploaded files wait for ingestion. */
export const uploadPrefix = (id: string) => `uploads/${id}`;

/** Thrown for a dataset that cannot be ingested as given; the message is shown to the user. */
export class IngestError extends Error {
  override name = 'IngestError';
}

async function download(payload: IngestJobPayload, source: { url: string }): Promise<DatasetFile> {
  const url = await assertFetchableUrl(source.url, payload.limits.allowPrivateUrls);
  const response = await fetch(url, { redirect: 'error' });
  if (!response.ok || !response.body) throw new IngestError(`downloading ${url} failed: HTTP ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > payload.limits.maxDownloadBytes) throw new IngestError(`${url} is larger than the ${payload.limits.maxDownloadBytes / 1024 / 1024} MB upload limit`);
    chunks.push(chunk);
  }
  const name = decodeURIComponent(url.pathname.split('/').pop() || 'download');
  return { name, data: new Uint8Array(Buffer.concat(chunks)) };
}

/**
 * Reads a dataset's files (uploads or a URL), checks its checksum, parses and validates it, and stores
 * its arrays under datasets/<id>. On any failure nothing stays behind: neither arrays nor uploads.
 */
export async function ingestDataset(payload: IngestJobPayload, store: ArtifactStore): Promise<IngestResult> {
  const prefix = datasetPrefix(payload.datasetId);
  try {
    const files: DatasetFile[] =
      payload.source.kind === 'uploads'
        ? await Promise.all(payload.source.keys.map(async (key) => ({ name: key.split('/').pop()!, data: new Uint8Array(await store.get(key)) })))
        : [await download(payload, payload.source)];
    files.sort((a, b) => a.name.localeCompare(b.name));
    const hash = createHash('sha256');
    for (const file of files) hash.update(file.data);
    const sha256 = hash.digest('hex');
    if (payload.source.kind === 'url' && payload.source.sha256 && payload.source.sha256.toLowerCase() !== sha256) {
      throw new IngestError(`checksum mismatch: the download's sha256 is ${sha256}, expected ${payload.source.sha256}`);
    }
    const limits = { maxUncompressedBytes: payload.limits.maxUncompressedBytes, maxFiles: payload.limits.maxFiles };
    const options = payload.options as ParseDatasetOptions;
    // Image ZIPs decode while their arrays are written: a large set is never whole in memory.
    const parsed = parseDatasetLazily(files, { ...options, limits, imageZip: { ...options.imageZip, ...limits } });
    const meta = await writeStoredDataset(store, prefix, parsed);
    return { format: parsed.format, sha256, sizeBytes: files.reduce((n, f) => n + f.data.byteLength, 0), meta: { ...meta, ...describeDataset(meta) } };
  } catch (error) {
    await store.deletePrefix(prefix);
    throw error;
  } finally {
    await store.deletePrefix(uploadPrefix(payload.datasetId));
  }
}
