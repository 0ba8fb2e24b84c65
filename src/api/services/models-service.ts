import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { artifactIOHandler } from '../../engine/io/artifact-io-handler.ts';
import {
  exportModel,
  hasPreprocessing,
  importModel,
  kerasConfigOf,
  type ExportFormat,
  type ModelFile,
} from '../../engine/model-files/index.ts';
import { modelSignature } from '../../engine/model-signature.ts';
import { packFiles } from '../../lib/tar/pack-files.ts';
import { KilnError } from '../../domain/errors.ts';
import type { ModelSignature, ModelSource } from '../../domain/model.ts';
import type { Logs } from '../../domain/run-event.ts';
import type { Preprocessing } from '../../serving/types.ts';
import type { ModelRow, ModelsRepository } from '../../store/repositories/models.ts';
import {
  isStoredVersion,
  parseModelRef,
  servingErrors,
  toServedRecord,
  type ServedModelRecord,
  type ServingService,
} from '../../serving/index.ts';
import { cursor } from './page-cursor.ts';

export interface ModelsServiceDeps {
  repo: ModelsRepository;
  artifacts: ArtifactStore;
  serving: ServingService;
  /** KILN_MAX_PARAMS: the largest model an import may build. */
  maxParams: number;
}

/** What POST /models registers: the files and the fields that describe them. */
export interface ModelImport {
  name: string;
  files: ModelFile[];
  /** Class names of a classifier's outputs. */
  labels?: string[];
  /** Applied at predict time, as a run's dataset preprocessing is. */
  preprocessing?: Preprocessing;
  /** The model a weights-only file belongs to (a Kiln spec or Keras JSON). */
  description?: unknown;
}

/** The labels and preprocessing given with an import must fit the model they describe. */
function checkFieldsAgainst(signature: ModelSignature, upload: ModelImport): void {
  const count = (shape: (number | null)[]) => shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  if (upload.labels) {
    const classes = signature.outputs.map((o) => (o.shape.at(-1) === 1 ? 2 : (o.shape.at(-1) ?? 0)));
    if (!classes.includes(upload.labels.length)) {
      throw KilnError.field(
        'labels',
        `gives ${upload.labels.length} class names, but the model's output has ${classes.join(' / ')} classes`,
      );
    }
  }
  const stats = upload.preprocessing?.mean;
  if (stats) {
    const sizes = signature.inputs.filter((i) => i.dtype === 'float32').map((i) => count(i.shape));
    if (!sizes.includes(stats.length)) {
      throw KilnError.field(
        'preprocess.mean',
        `has ${stats.length} values, but an input row of the model has ${sizes.join(' / ')}`,
      );
    }
  }
}

/** Which version of a name: a number, an alias, or (neither) the latest. */
export type VersionChoice = { version?: number; alias?: string };

const aliasNames = (m: { aliases: { alias: string }[] }) => m.aliases.map((a) => a.alias);

/**
 * The model registry as the api drives it: references resolved to versions (src/serving/model-refs.ts
 * explains them), listing, aliases, downloads and deletes.
 */
export function modelsService({ repo, artifacts, serving, maxParams }: ModelsServiceDeps) {
  /** A version of a name: by number, by alias, or the latest when neither is given. */
  async function findVersion(name: string, which: VersionChoice): Promise<ModelRow | null> {
    let version = which.version;
    if (which.alias !== undefined) {
      const alias = await repo.findAlias(name, which.alias);
      if (!alias) return null;
      version = alias.version;
    }
    if (version === undefined) return repo.findLatest(name);
    // A version beyond int32 is simply not there; the database's integer column would reject it with a 500.
    if (!isStoredVersion(version)) return null;
    return repo.findVersion(name, version);
  }

  /** Looks a reference up in the registry; a reference that names nothing is a 404. */
  async function resolve(ref: string): Promise<ServedModelRecord> {
    const parsed = parseModelRef(ref);
    const row =
      'idOrName' in parsed
        ? ((await repo.findById(parsed.idOrName)) ?? (await repo.findLatest(parsed.idOrName)))
        : await findVersion(parsed.name, 'version' in parsed ? { version: parsed.version } : { alias: parsed.alias });
    if (!row) throw servingErrors.modelNotFound(ref);
    return toServedRecord(row);
  }

  return {
    findVersion,
    resolve,

    /** Every version of a name, newest first. */
    versions: (name: string) => repo.listVersions(name),

    async list(query: { name?: string; limit: number; cursor?: string }) {
      const after = query.cursor ? cursor.decode(query.cursor) : undefined;
      if (query.cursor && !after) throw KilnError.field('querystring.cursor', 'is not a cursor this api gave out');
      const rows = await repo.list({ name: query.name, limit: query.limit + 1, after });
      const page = rows.slice(0, query.limit);
      return {
        models: page.map((m) => ({
          id: m.id,
          name: m.name,
          version: m.version,
          runId: m.runId,
          aliases: aliasNames(m),
          source: (m.source as ModelSource | null) ?? null,
          createdAt: m.createdAt.toISOString(),
        })),
        nextCursor: rows.length > query.limit ? cursor.encode(page.at(-1)!) : null,
      };
    },

    async get(ref: string) {
      // resolve's own errors: 404 for a reference that names nothing, 400 for digits that are no version.
      const { id } = await resolve(ref);
      const model = await repo.findDetail(id);
      if (!model) throw KilnError.notFound('model', ref);
      const files = (await artifacts.list(model.path)).map((key) => key.slice(model.path.length + 1));
      return {
        id: model.id,
        name: model.name,
        version: model.version,
        runId: model.runId,
        signature: model.signature as unknown as ModelSignature,
        labels: (model.labels as string[] | null) ?? null,
        preprocessing: (model.preprocessing as Preprocessing | null) ?? null,
        source: (model.source as ModelSource | null) ?? null,
        aliases: aliasNames(model),
        serving: serving.state(model.id) ?? ('unloaded' as const),
        createdAt: model.createdAt.toISOString(),
        evaluation: (model.run?.evaluation?.metrics as Logs | undefined) ?? null,
        files,
      };
    },

    /**
     * The model as files another tool reads (engine/model-files/export.ts), its preprocessing built in
     * as layers: one `.keras` or `.h5` file, or TensorFlow.js' files as a tar in a folder `<name>-v<n>`.
     */
    async download(ref: string, format: ExportFormat) {
      const record = await resolve(ref);
      const baseName = `${record.name}-v${record.version}`;
      const model = await tf.loadLayersModel(artifactIOHandler(artifacts, record.path));
      try {
        const files = await exportModel(model, format, { baseName, preprocessing: record.preprocessing });
        if (format !== 'tfjs') return { fileName: files[0]!.name, body: Buffer.from(files[0]!.data) };
        return { fileName: `${baseName}.tar`, body: packFiles(files, baseName) };
      } finally {
        model.dispose();
      }
    },

    /**
     * What a transfer run needs of its base model: where its files are and its architecture as Keras
     * JSON with its registered preprocessing built in as layers, so the new model takes rows as the base's
     * dataset held them (one input space), and its layers keep their names for the weights.
     */
    async transferBase(ref: string) {
      const record = await resolve(ref);
      const model = await tf.loadLayersModel(artifactIOHandler(artifacts, record.path));
      try {
        const preprocessing = hasPreprocessing(record.preprocessing) ? record.preprocessing : undefined;
        return { modelId: record.id, path: record.path, config: kerasConfigOf(model, preprocessing) };
      } finally {
        model.dispose();
      }
    },

    /**
     * The compile settings an evaluation of a model uses when the client gives none: its source run's,
     * else Keras' usual pairing by each output's activation (softmax: categorical cross-entropy and
     * accuracy; a single sigmoid: binary cross-entropy and accuracy; anything else: mse and mae).
     */
    async evaluationCompile(ref: string): Promise<Record<string, unknown>> {
      const record = await resolve(ref);
      const row = await repo.findDetail(record.id);
      const runSpec = row?.run?.spec as { compile?: Record<string, unknown> } | undefined;
      if (runSpec?.compile) return runSpec.compile;
      const { config } = await this.transferBase(ref);
      const layers = ((config.config as { layers?: unknown[] })?.layers ?? []) as Array<{
        config?: { name?: string; activation?: unknown; units?: number };
      }>;
      const byName = new Map(layers.map((l) => [l.config?.name, l.config]));
      const losses: Record<string, string> = {};
      const metrics: Record<string, string[]> = {};
      for (const output of record.signature.outputs) {
        const layer = byName.get(output.name);
        const activation = typeof layer?.activation === 'string' ? layer.activation : undefined;
        const units = output.shape.at(-1);
        const classifier = activation === 'softmax' || (activation === 'sigmoid' && units === 1);
        losses[output.name] =
          activation === 'softmax' ? 'categorical_crossentropy' : classifier ? 'binary_crossentropy' : 'mse';
        metrics[output.name] = classifier ? ['accuracy'] : ['mae'];
      }
      const single = record.signature.outputs.length === 1 ? record.signature.outputs[0]!.name : undefined;
      return single
        ? { optimizer: 'adam', loss: losses[single], metrics: metrics[single] }
        : { optimizer: 'adam', loss: losses, metrics };
    },

    /**
     * Registers a model built from uploaded files as the next version of `name` (a 201 answers it as
     * GET /models/:id does). Nothing is stored when the files are refused.
     */
    async importFiles(upload: ModelImport) {
      const { model, source } = await importModel(upload.files, { description: upload.description, maxParams });
      const path = `models/${randomUUID()}`;
      try {
        checkFieldsAgainst(modelSignature(model), upload);
        await model.save(artifactIOHandler(artifacts, path));
        const row = await repo.register({
          name: upload.name,
          path,
          signature: modelSignature(model),
          labels: upload.labels,
          preprocessing: upload.preprocessing,
          source,
        });
        return this.get(row.id);
      } catch (error) {
        await artifacts.deletePrefix(path);
        throw error;
      } finally {
        model.dispose();
      }
    },

    async setAlias(name: string, alias: string, version: number) {
      const model = await findVersion(name, { version });
      if (!model) throw KilnError.notFound('model version', `${name}@${version}`);
      // A version deleted between the check and the upsert fails the foreign key; answer 404 for that too.
      const row = await repo.upsertAlias(name, alias, version).catch((error: { code?: string }) => {
        if (error.code === 'P2003') throw KilnError.notFound('model version', `${name}@${version}`);
        throw error;
      });
      return { name, alias, version: row.version, modelId: model.id, updatedAt: row.updatedAt.toISOString() };
    },

    async removeAlias(name: string, alias: string) {
      if ((await repo.deleteAlias(name, alias)) === 0) throw KilnError.notFound('alias', `${name}@${alias}`);
    },

    /** Deletes one version (an id or `<name>@<version>`) and its files; refused while an alias points at it. */
    async remove(ref: string) {
      const parsed = parseModelRef(ref);
      // Deleting "the latest" or "whatever production is" by accident is too easy: name one version.
      const nameOneVersion = (not: string) =>
        KilnError.field('params.id', `name one version: an id or <name>@<version>, not ${not}`);
      if (!('version' in parsed) && !('idOrName' in parsed)) throw nameOneVersion('an alias');
      const model =
        'version' in parsed
          ? await findVersion(parsed.name, { version: parsed.version })
          : await repo.findById(parsed.idOrName);
      if (!model) {
        // Not an id; if it is a model's name, the client meant "its latest version": refuse that as for an alias.
        if ('idOrName' in parsed && (await repo.findLatest(parsed.idOrName)))
          throw nameOneVersion('a bare name (its latest version)');
        throw KilnError.notFound('model', ref);
      }
      const refuse = (names: string[]) =>
        KilnError.conflict(
          `${model.name}@${model.version} is what ${names.map((a) => `${model.name}@${a}`).join(', ')} points at; move the alias first`,
          [{ path: 'params.id', message: 'an alias points at this version', aliases: names }],
        );
      const aliases = await repo.aliasesOf(model.name, model.version);
      if (aliases.length) throw refuse(aliases.map((a) => a.alias));
      // The foreign key (ON DELETE RESTRICT) catches an alias set between the check and the delete.
      await repo.delete(model.id).catch((error: { code?: string }) => {
        if (error.code === 'P2003' || error.code === 'P2014') throw refuse([]);
        throw error;
      });
      serving.unload(model.id);
      await artifacts.deletePrefix(model.path);
    },
  };
}

export type ModelsService = ReturnType<typeof modelsService>;
