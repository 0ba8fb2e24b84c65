import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { KilnError } from '../../domain/errors.ts';
import type { CheckpointKind } from '../../domain/run-event.ts';
import type { RunSpec } from '../../domain/run-spec/schema.ts';
import { artifactIOHandler } from '../../engine/io/artifact-io-handler.ts';
import { exportModel, type ExportFormat } from '../../engine/model-files/index.ts';
import { modelSignature } from '../../engine/model-signature.ts';
import { packFiles } from '../../lib/tar/pack-files.ts';
import type { ModelsRepository } from '../../store/repositories/models.ts';
import type { RunsRepository } from '../../store/repositories/runs.ts';

export interface CheckpointsServiceDeps {
  runs: RunsRepository;
  models: ModelsRepository;
  artifacts: ArtifactStore;
}

/** The files of a checkpoint that make a model (the rest is optimizer slots and training state). */
const MODEL_FILES = ['model.json', 'weights.bin'];

/**
 * A run's checkpoints as models: downloaded in any export format, or registered as a model version
 * (the `best` one of ModelCheckpoint, or the `latest`), with the labels and preprocessing its run's
 * model has, so it serves and exports like it.
 */
export function checkpointsService({ runs, models, artifacts }: CheckpointsServiceDeps) {
  /** The checkpoint and what a model of it needs from its run. */
  async function find(runId: string, kind: CheckpointKind) {
    const run = await runs.findDetail(runId);
    if (!run) throw KilnError.notFound('run', runId);
    const checkpoint = run.checkpoints.find((c) => c.kind === kind);
    if (!checkpoint) throw KilnError.notFound('checkpoint', `${kind} of run ${runId}`);
    const registered = run.model ? await models.findById(run.model.id) : null;
    const spec = run.spec as RunSpec;
    const preprocess = 'id' in spec.dataset ? spec.dataset.preprocess : undefined;
    let preprocessing: object | undefined = (registered?.preprocessing as object | null) ?? undefined;
    if (!registered && preprocess && 'standardize' in preprocess) {
      throw KilnError.conflict(
        `run ${runId} standardizes its inputs with statistics that are recorded only when the run succeeds; this checkpoint cannot be served as raw-input model`,
      );
    }
    if (!registered && preprocess && 'scale' in preprocess) preprocessing = { scale: preprocess.scale };
    return {
      run,
      checkpoint,
      labels: (registered?.labels as string[] | null) ?? undefined,
      preprocessing,
      name: run.name ?? `run-${run.id.slice(0, 8)}`,
    };
  }

  return {
    /** The checkpoint's model as files (see models-service's download). */
    async download(runId: string, kind: CheckpointKind, format: ExportFormat) {
      const { checkpoint, preprocessing, name } = await find(runId, kind);
      const baseName = `${name}-${kind}-e${checkpoint.epoch}`;
      const model = await tf.loadLayersModel(artifactIOHandler(artifacts, checkpoint.path));
      try {
        const files = await exportModel(model, format, { baseName, preprocessing: preprocessing as never });
        if (format !== 'tfjs') return { fileName: files[0]!.name, body: Buffer.from(files[0]!.data) };
        return { fileName: `${baseName}.tar`, body: packFiles(files, baseName) };
      } finally {
        model.dispose();
      }
    },

    /** Copies the checkpoint's model to a path of its own and registers it as the next version of `name`. */
    async register(runId: string, kind: CheckpointKind, name?: string) {
      const found = await find(runId, kind);
      const path = `models/${randomUUID()}`;
      try {
        for (const file of MODEL_FILES)
          await artifacts.put(`${path}/${file}`, await artifacts.get(`${found.checkpoint.path}/${file}`));
        const model = await tf.loadLayersModel(artifactIOHandler(artifacts, path));
        const signature = modelSignature(model);
        model.dispose();
        return await models.register({
          name: name ?? found.name,
          path,
          signature,
          labels: found.labels,
          preprocessing: found.preprocessing,
          source: { kind: 'checkpoint', runId, checkpoint: kind, epoch: found.checkpoint.epoch },
        });
      } catch (error) {
        await artifacts.deletePrefix(path);
        throw error;
      }
    },
  };
}

export type CheckpointsService = ReturnType<typeof checkpointsService>;
