import { own } from '../../domain/own.ts';
import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import type { Queue } from 'bullmq';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { BUILTIN_DATASETS } from '../../datasets/builtin.ts';
import { datasetPrefix, uploadPrefix } from '../../datasets/ingest.ts';
import { type describeDataset, type StoredDatasetMeta } from '../../datasets/storage.ts';
import { assertFetchableUrl, isUrlRefused } from '../../datasets/url-guard.ts';
import type { DatasetInfo, LabelRange, ResolvedDataset } from '../../domain/dataset.ts';
import { KilnError } from '../../domain/errors.ts';
import type { IngestRequest, IngestResult } from '../../domain/ingestion.ts';
import { JOBS, type ControlMessage, type IngestJobPayload } from '../../queue/contracts.ts';
import type { DatasetsRepository } from '../../store/repositories/datasets.ts';
import { NUL_MESSAGE } from '../schemas/common.ts';
import { datasetSamples } from './dataset-samples.ts';
import type { RecordAnswer } from './idempotency-service.ts';

type DatasetRow = NonNullable<Awaited<ReturnType<DatasetsRepository['find']>>>;

export interface DatasetsServiceDeps {
  repo: DatasetsRepository;
  queue: Queue<IngestJobPayload>;
  artifacts: ArtifactStore;
  /** What one ingestion may read: KILN_MAX_DATASET_MB, KILN_MAX_DATASET_FILES, KILN_MAX_CSV_COLUMNS, KILN_MAX_UPLOAD_MB, KILN_ALLOW_PRIVATE_URLS. */
  limits: IngestRequest['limits'];
  /** Tells every worker something (here: to stop the ingestion of a dataset being deleted). */
  sendControl(message: ControlMessage): Promise<void>;
}

/** An upload received and checked, its files stored, its ingestion not yet registered. */
export interface ReceivedUpload {
  id: string;
  name: string;
  source: Extract<IngestRequest['source'], { kind: 'uploads' }>;
  options: Record<string, unknown>;
  /** What identifies the request for Idempotency-Key: its fields, and each file's name, size and sha256. */
  fingerprint: {
    fields: Record<string, unknown>;
    files: Array<{ field: string; name: string; size: number; sha256: string }>;
  };
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
    arrays: meta.arrays ?? null,
    featureColumns: meta.featureColumns ?? null,
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
  const list = (value: unknown) =>
    Array.isArray(value)
      ? value.map(String)
      : String(value)
          .split(',')
          .map((s) => s.trim());
  if (fields.featureColumns !== undefined) csv.featureColumns = list(fields.featureColumns);
  if (fields.categoricalColumns !== undefined) csv.categoricalColumns = list(fields.categoricalColumns);
  if (fields.labelColumns !== undefined) {
    if (fields.labelColumn !== undefined)
      throw KilnError.invalid([{ path: 'labelColumns', message: 'give labelColumn or labelColumns, not both' }]);
    csv.labelColumns = list(fields.labelColumns);
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

/** A file part's bytes on their way to the store, counted and hashed as they pass. */
function measured(file: NodeJS.ReadableStream) {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  file.on('error', (error) => stream.destroy(error));
  file.pipe(stream);
  return { stream, facts: () => ({ size, sha256: hash.digest('hex') }) };
}

/** The dataset registry as the api drives it: uploads and URLs in, ingestion queued, reads, deletes. */
export function datasetsService({ repo, queue, artifacts, limits, sendControl }: DatasetsServiceDeps) {
  const maxUploadMb = limits.maxDownloadBytes / 1024 / 1024;

  /**
   * Writes the row and queues its ingestion; on failure removes both the row and any uploads. With
   * `record` (a request with an Idempotency-Key) the row and the answer naming it commit together.
   */
  async function register(
    id: string,
    name: string,
    source: IngestRequest['source'],
    options: Record<string, unknown>,
    record?: RecordAnswer,
  ) {
    const data = { id, name, format: String(options.format ?? 'auto') };
    const created = { id, status: 'ingesting' as const };
    if (record)
      await record(
        (writers) => writers.datasets.create(data),
        () => ({ status: 201, body: created }),
      );
    else await repo.create(data);
    try {
      await queue.add(JOBS.ingest, { datasetId: id, name, source, options, limits }, { jobId: id });
    } catch (error) {
      await repo.delete(id).catch(() => undefined);
      await artifacts.deletePrefix(uploadPrefix(id));
      throw error;
    }
    return created;
  }

  /** A dataset as clients see it: one being deleted is gone already. */
  async function findVisible(id: string) {
    const row = await repo.find(id);
    return row && row.status !== 'deleting' ? row : null;
  }

  /** Removes everything of a dataset: uploads, arrays, its ingestion job, then its row (last, so a failure midway is retried). */
  async function purge(id: string) {
    await artifacts.deletePrefix(uploadPrefix(id));
    await artifacts.deletePrefix(datasetPrefix(id));
    // Best effort: a finished job's record also expires by itself (removeOnComplete, removeOnFail).
    await (await queue.getJob(id))?.remove().catch(() => undefined);
    await repo.delete(id);
  }

  /**
   * Stops the ingestion of a dataset marked `deleting`: a job no worker holds is removed and the dataset
   * purged at once (true); a running one is cancelled by its worker, and the dataset goes when it ends.
   */
  async function stopIngestion(id: string): Promise<boolean> {
    const job = await queue.getJob(id);
    // An active (locked) job cannot be removed: its worker is told to stop it.
    const removed = job
      ? await job.remove().then(
          () => true,
          () => false,
        )
      : true;
    if (removed) {
      await purge(id);
      return true;
    }
    await sendControl({ type: 'cancel-ingest', datasetId: id });
    return false;
  }

  /** Deletes a dataset: at once ('deleted'), or once its ingestion has stopped ('deleting'). */
  async function remove(id: string, again = true): Promise<'deleted' | 'deleting'> {
    const row = await repo.find(id);
    if (!row) throw KilnError.notFound('dataset', id);
    if (row.status === 'deleting') return (await stopIngestion(id)) ? 'deleted' : 'deleting';
    const active = await repo.countActiveRuns(id);
    if (active > 0) throw KilnError.conflict(`dataset ${id} is used by ${active} queued or running run(s)`);
    if (row.status === 'ingesting') {
      // Marked first, so that however the ingestion ends, its ending finds a dataset to remove, not to record.
      if (await repo.markDeleting(id)) return (await stopIngestion(id)) ? 'deleted' : 'deleting';
      // It ended in between: delete it as the ready or failed dataset it now is.
      if (again) return remove(id, false);
    }
    await purge(id);
    return 'deleted';
  }

  return {
    /**
     * multipart/form-data: one or several files plus fields (name, format, labelColumn, featureColumns,
     * size, channels). Stores the files and checks the fields; `register` then queues the ingestion.
     */
    async receiveUpload(parts: AsyncIterable<Multipart>): Promise<ReceivedUpload> {
      const id = randomUUID();
      const fields: Record<string, unknown> = {};
      const keys: string[] = [];
      const files: ReceivedUpload['fingerprint']['files'] = [];
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
            const file = measured(part.file);
            await artifacts.putStream(key, file.stream);
            if (part.file.truncated)
              throw new KilnError(
                'payload_too_large',
                `${part.filename} is larger than KILN_MAX_UPLOAD_MB (${maxUploadMb} MB)`,
                { status: 413 },
              );
            keys.push(key);
            files.push({ field: part.fieldname, name: part.filename, ...file.facts() });
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
        const options = parserOptions(fields);
        return { id, name: fields.name, source: { kind: 'uploads', keys }, options, fingerprint: { fields, files } };
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

    /** Queues the ingestion of a received upload (removing its files if that fails). */
    async registerUpload(upload: ReceivedUpload, record?: RecordAnswer) {
      try {
        return await register(upload.id, upload.name, upload.source, upload.options, record);
      } catch (error) {
        await artifacts.deletePrefix(uploadPrefix(upload.id));
        throw error;
      }
    },

    /** Removes the files of an upload that will not be registered (its request was answered before). */
    async discardUpload(upload: ReceivedUpload) {
      await artifacts.deletePrefix(uploadPrefix(upload.id));
    },

    async createFromUrl(
      body: { name: string; url: string; sha256?: string } & Record<string, unknown>,
      record?: RecordAnswer,
    ) {
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
        record,
      );
    },

    async list() {
      return { datasets: (await repo.list()).filter((row) => row.status !== 'deleting').map(datasetView) };
    },

    async get(id: string) {
      const row = await findVisible(id);
      if (!row) throw KilnError.notFound('dataset', id);
      return datasetView(row);
    },

    async samples(id: string, n: number) {
      const row = await findVisible(id);
      if (!row) throw KilnError.notFound('dataset', id);
      if (row.status !== 'ready') throw KilnError.conflict(`dataset ${id} is ${row.status}`);
      return {
        samples: await datasetSamples(artifacts, datasetPrefix(id), row.meta as unknown as StoredDatasetMeta, n),
      };
    },

    remove,

    /**
     * Settles a dataset with its ingestion job (on the queue's events, and by a sweep for any the api
     * missed): records how an ingestion ended, or finishes the deletion of a dataset marked `deleting`.
     */
    async reconcile(id: string) {
      const row = await repo.find(id);
      if (row?.status !== 'ingesting' && row?.status !== 'deleting') return;
      const job = await queue.getJob(id);
      const state = job ? await job.getState() : 'missing';
      if (row.status === 'deleting') {
        // Told again: the worker holding it may have missed the word, or taken the job up since.
        if (state === 'active') await sendControl({ type: 'cancel-ingest', datasetId: id });
        else await stopIngestion(id);
        return;
      }
      if (state === 'completed') {
        const { format, sha256, sizeBytes, meta } = job!.returnvalue as IngestResult;
        await repo.finish(id, { status: 'ready', format, sha256, sizeBytes, meta });
        return;
      }
      if (state !== 'failed' && state !== 'missing') return;
      // A stopped ingestion says why in its data: the error of a killed process says only that it died.
      const error =
        state === 'missing'
          ? 'the ingestion job was lost (was Redis flushed?)'
          : (job!.data.stopped ?? job!.failedReason ?? 'ingestion failed');
      // Nothing of a failed ingestion is kept; a process that was killed could not clean up itself.
      await artifacts.deletePrefix(uploadPrefix(id));
      await artifacts.deletePrefix(datasetPrefix(id));
      await repo.finish(id, { status: 'failed', error });
    },

    /** What a run needs to know of the dataset it names: validation facts and where the worker finds it. */
    async resolveForRun(
      id: string,
      /** Where the spec names it, for the 400 when it cannot be used. */
      path = 'dataset.id',
    ): Promise<{ info: DatasetInfo; resolved: ResolvedDataset; sha256?: string; datasetId?: string }> {
      const builtin = own(BUILTIN_DATASETS, id);
      // Every built-in has a test split of its own (tf.keras.datasets' load_data gives train and test).
      if (builtin)
        return {
          info: { inputShape: builtin.inputShape, numClasses: builtin.numClasses, hasTestSplit: true },
          resolved: { kind: 'builtin', name: id },
        };
      const row = await findVisible(id);
      if (!row)
        throw KilnError.invalid(
          [
            {
              path,
              message: `no dataset "${id}" (registered ids, or built-in: ${Object.keys(BUILTIN_DATASETS).join(', ')})`,
            },
          ],
          'invalid_spec',
        );
      if (row.status !== 'ready')
        throw KilnError.invalid(
          [{ path, message: `dataset "${id}" is ${row.status}${row.error ? `: ${row.error}` : ''}` }],
          'invalid_spec',
        );
      const view = datasetView(row);
      // The rows a run splits, as the worker picks them (run-data.ts): the train split, else the only one.
      const samples = (view.samples ?? {}) as { train?: number; test?: number };
      return {
        info: {
          inputShape: view.inputShape ?? [],
          numClasses: view.classes?.length,
          labelRange: (row.meta as { labelRange?: LabelRange } | null)?.labelRange,
          samples: samples.train ?? samples.test,
          hasTestSplit: samples.train !== undefined && samples.test !== undefined,
          ...(view.arrays ? { arrays: view.arrays } : {}),
        },
        resolved: { kind: 'stored', prefix: datasetPrefix(id), sha256: row.sha256 ?? '' },
        sha256: row.sha256 ?? undefined,
        datasetId: id,
      };
    },
  };
}

export type DatasetsService = ReturnType<typeof datasetsService>;
