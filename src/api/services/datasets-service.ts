import { randomUUID } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { Queue } from 'bullmq';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { BUILTIN_DATASETS } from '../../datasets/builtin.ts';
import { datasetPrefix, uploadPrefix } from '../../datasets/ingest.ts';
import { type describeDataset, type StoredDatasetMeta } from '../../datasets/storage.ts';
import { assertFetchableUrl, isUrlRefused } from '../../datasets/url-guard.ts';
import type { DatasetInfo, ResolvedDataset } from '../../domain/dataset.ts';
import { KilnError } from '../../domain/errors.ts';
import type { IngestRequest, IngestResult } from '../../domain/ingestion.ts';
import { JOBS, type IngestJobPayload } from '../../queue/contracts.ts';
import type { DatasetsRepository } from '../../store/repositories/datasets.ts';
import { NUL_MESSAGE } from '../schemas/common.ts';
import { datasetSamples } from './dataset-samples.ts';

type DatasetRow = NonNullable<Awaited<ReturnType<DatasetsRepository['find']>>>;

export interface DatasetsServiceDeps {
  repo: DatasetsRepository;
  queue: Queue<IngestJobPayload>;
  artifacts: ArtifactStore;
  /** What one ingestion may read: KILN_MAX_DATASET_MB, KILN_MAX_DATASET_FILES, KILN_MAX_UPLOAD_MB, KILN_ALLOW_PRIVATE_URLS. */
  limits: IngestRequest['limits'];
}

/** GET /datasets/:id */
function datasetView(row: DatasetRow) {
  // What ingestion recorded (describeDataset's fields), kept as jsonb.
  const meta = (row.meta ?? {}) as Partial<ReturnType<typeof describeDataset>>;
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    status: row.status as 'ready',
    error: row.error,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    samples: meta.samples ?? null,
    inputShape: meta.inputShape ?? null,
    dtype: meta.dtype ?? null,
    labelKind: meta.labelKind ?? null,
    classes: meta.classes ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A file name safe to use as the last segment of an artifact key. */
function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_');
  if (!cleaned || cleaned === '.' || cleaned === '..')
    throw KilnError.invalid([{ path: 'files', message: `"${name}" is not a usable file name` }]);
  return cleaned;
}

const FORMATS = new Set(['idx', 'npy', 'npz', 'csv', 'image-zip']);

/** Parser options from form fields or JSON (format, CSV columns, image size and channels). */
function parserOptions(fields: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (fields.format !== undefined) {
    if (!FORMATS.has(String(fields.format)))
      throw KilnError.invalid([{ path: 'format', message: `must be one of ${[...FORMATS].join(', ')}` }]);
    options.format = String(fields.format);
  }
  const csv: Record<string, unknown> = {};
  if (fields.labelColumn !== undefined) csv.labelColumn = String(fields.labelColumn);
  if (fields.featureColumns !== undefined) {
    csv.featureColumns = Array.isArray(fields.featureColumns)
      ? fields.featureColumns.map(String)
      : String(fields.featureColumns)
          .split(',')
          .map((s) => s.trim());
  }
  if (Object.keys(csv).length) options.csv = csv;
  const image: Record<string, unknown> = {};
  if (fields.size !== undefined) {
    const size = Array.isArray(fields.size) ? fields.size.map(Number) : String(fields.size).split(/[x,]/).map(Number);
    if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1))
      throw KilnError.invalid([{ path: 'size', message: 'must be two positive integers, e.g. 28x28' }]);
    image.size = size;
  }
  if (fields.channels !== undefined) {
    const channels = Number(fields.channels);
    if (channels !== 1 && channels !== 3) throw KilnError.invalid([{ path: 'channels', message: 'must be 1 or 3' }]);
    image.channels = channels;
  }
  if (Object.keys(image).length) options.imageZip = image;
  return options;
}

/** The dataset registry as the api drives it: uploads and URLs in, ingestion queued, reads, deletes. */
export function datasetsService({ repo, queue, artifacts, limits }: DatasetsServiceDeps) {
  const maxUploadMb = limits.maxDownloadBytes / 1024 / 1024;

  /** Writes the row and queues its ingestion; on failure removes both the row and any uploads. */
  async function register(id: string, name: string, source: IngestRequest['source'], options: Record<string, unknown>) {
    const row = await repo.create({ id, name, format: String(options.format ?? 'auto') });
    try {
      await queue.add(JOBS.ingest, { datasetId: id, name, source, options, limits }, { jobId: id });
    } catch (error) {
      await repo.delete(id).catch(() => undefined);
      await artifacts.deletePrefix(uploadPrefix(id));
      throw error;
    }
    return { id: row.id, status: 'ingesting' as const };
  }

  return {
    /** multipart/form-data: one or several files plus fields (name, format, labelColumn, featureColumns, size, channels). */
    async createFromUpload(parts: AsyncIterable<Multipart>) {
      const id = randomUUID();
      const fields: Record<string, unknown> = {};
      const keys: string[] = [];
      // Stored name (lower-cased) → the name it was uploaded as. Two files stored under one key would
      // leave only the last: refused, also when the names only collide once sanitised (or case-folded, as
      // a case-insensitive file system would fold them).
      const stored = new Map<string, string>();
      let duplicate: KilnError | undefined;
      try {
        for await (const part of parts) {
          if (part.type === 'file') {
            const name = safeFileName(part.filename);
            const earlier = stored.get(name.toLowerCase());
            if (earlier !== undefined || duplicate) {
              const clash =
                earlier === part.filename
                  ? `"${part.filename}" is uploaded twice`
                  : `"${earlier}" and "${part.filename}" would both be stored as ${name}`;
              duplicate ??= KilnError.invalid([
                { path: 'files', message: `${clash}; every file of a dataset needs its own name` },
              ]);
              // Read the rest of the body (storing nothing) so the client gets the 400, not a reset connection.
              part.file.resume();
              await finished(part.file);
              continue;
            }
            stored.set(name.toLowerCase(), part.filename);
            const key = `${uploadPrefix(id)}/${name}`;
            await artifacts.putStream(key, part.file);
            if (part.file.truncated)
              throw new KilnError(
                'payload_too_large',
                `${part.filename} is larger than KILN_MAX_UPLOAD_MB (${maxUploadMb} MB)`,
                { status: 413 },
              );
            keys.push(key);
          } else {
            // Form fields bypass the edge's JSON guard (input-guards.ts); PostgreSQL cannot store a NUL.
            if (typeof part.value === 'string' && part.value.includes('\u0000'))
              throw KilnError.invalid([{ path: part.fieldname, message: NUL_MESSAGE }]);
            fields[part.fieldname] = part.value;
          }
        }
        if (duplicate) throw duplicate;
        if (keys.length === 0) throw KilnError.invalid([{ path: 'files', message: 'upload at least one file' }]);
        if (!fields.name || typeof fields.name !== 'string')
          throw KilnError.invalid([{ path: 'name', message: 'is required' }]);
        return await register(id, fields.name, { kind: 'uploads', keys }, parserOptions(fields));
      } catch (error) {
        await artifacts.deletePrefix(uploadPrefix(id));
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new KilnError('payload_too_large', `a file is larger than KILN_MAX_UPLOAD_MB (${maxUploadMb} MB)`, {
            status: 413,
          });
        }
        throw error;
      }
    },

    async createFromUrl(body: { name: string; url: string; sha256?: string } & Record<string, unknown>) {
      try {
        await assertFetchableUrl(body.url, limits.allowPrivateUrls);
      } catch (error) {
        if (isUrlRefused(error)) throw KilnError.invalid([{ path: 'url', message: error.message }]);
        throw error;
      }
      return register(
        randomUUID(),
        body.name,
        { kind: 'url', url: body.url, sha256: body.sha256 },
        parserOptions(body),
      );
    },

    async list() {
      return { datasets: (await repo.list()).map(datasetView) };
    },

    async get(id: string) {
      const row = await repo.find(id);
      if (!row) throw KilnError.notFound('dataset', id);
      return datasetView(row);
    },

    async samples(id: string, n: number) {
      const row = await repo.find(id);
      if (!row) throw KilnError.notFound('dataset', id);
      if (row.status !== 'ready') throw KilnError.conflict(`dataset ${id} is ${row.status}`);
      return {
        samples: await datasetSamples(artifacts, datasetPrefix(id), row.meta as unknown as StoredDatasetMeta, n),
      };
    },

    async remove(id: string) {
      const row = await repo.find(id);
      if (!row) throw KilnError.notFound('dataset', id);
      const active = await repo.countActiveRuns(id);
      if (active > 0) throw KilnError.conflict(`dataset ${id} is used by ${active} queued or running run(s)`);
      if (row.status === 'ingesting') throw KilnError.conflict(`dataset ${id} is still being ingested`);
      await artifacts.deletePrefix(datasetPrefix(id));
      await repo.delete(id);
    },

    /** Records an ingestion's outcome on the dataset row (called by the reconciler). */
    async finish(id: string, outcome: { result?: IngestResult; error?: string }) {
      if (outcome.result) {
        const { format, sha256, sizeBytes, meta } = outcome.result;
        await repo.finish(id, { status: 'ready', format, sha256, sizeBytes, meta });
      } else {
        await repo.finish(id, { status: 'failed', error: outcome.error ?? 'ingestion failed' });
      }
    },

    /** What a run needs to know of the dataset it names: validation facts and where the worker finds it. */
    async resolveForRun(
      id: string,
    ): Promise<{ info: DatasetInfo; resolved: ResolvedDataset; sha256?: string; datasetId?: string }> {
      const builtin = BUILTIN_DATASETS[id];
      // Every built-in has a test split of its own (tf.keras.datasets' load_data gives train and test).
      if (builtin)
        return {
          info: { inputShape: builtin.inputShape, numClasses: builtin.numClasses, hasTestSplit: true },
          resolved: { kind: 'builtin', name: id },
        };
      const row = await repo.find(id);
      if (!row)
        throw KilnError.invalid(
          [
            {
              path: 'dataset.id',
              message: `no dataset "${id}" (registered ids, or built-in: ${Object.keys(BUILTIN_DATASETS).join(', ')})`,
            },
          ],
          'invalid_spec',
        );
      if (row.status !== 'ready')
        throw KilnError.invalid(
          [{ path: 'dataset.id', message: `dataset "${id}" is ${row.status}${row.error ? `: ${row.error}` : ''}` }],
          'invalid_spec',
        );
      const view = datasetView(row);
      // The rows a run splits, as the worker picks them (run-data.ts): the train split, else the only one.
      const samples = (view.samples ?? {}) as { train?: number; test?: number };
      return {
        info: {
          inputShape: view.inputShape ?? [],
          numClasses: view.classes?.length,
          samples: samples.train ?? samples.test,
          hasTestSplit: samples.train !== undefined && samples.test !== undefined,
        },
        resolved: { kind: 'stored', prefix: datasetPrefix(id), sha256: row.sha256 ?? '' },
        sha256: row.sha256 ?? undefined,
        datasetId: id,
      };
    },
  };
}

export type DatasetsService = ReturnType<typeof datasetsService>;
