import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { artifactIOHandler } from '../io/artifact-io-handler.ts';
import type { TrainingState } from './callback.ts';

export type CheckpointKind = 'latest' | 'best';

/** Where a saved checkpoint lives, as reported in checkpoint events. */
export interface SavedCheckpoint {
  kind: CheckpointKind;
  /** Complete epochs. */
  epoch: number;
  /** Batches into the next epoch (0 at an epoch's end). */
  batch: number;
  path: string;
}

/** A model trained beside the run's own, with its optimizer (a user's step's further models: a GAN's generator). */
export interface ExtraModel {
  name: string;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
}

interface Pointer {
  dir: string;
  epoch: number;
  batch: number;
}

/**
 * Checkpoints of one run in the artifact store: model weights (tfjs format), optimizer slots and the
 * training state. Each save goes to a fresh directory and a small pointer file is replaced last,
 * so a crash mid-save leaves the previous checkpoint intact.
 */
export class CheckpointStore {
  private serial = 0;

  constructor(
    private readonly store: ArtifactStore,
    private readonly runPrefix: string,
    /** Saved and restored with every checkpoint, each under `models/<name>/` of its folder. */
    private readonly extras: ExtraModel[] = [],
  ) {}

  private pointerKey(kind: CheckpointKind): string {
    return `${this.runPrefix}/checkpoints/${kind}.json`;
  }

  /** Saves model, optimizer and state; returns where. */
  async save(
    kind: CheckpointKind,
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    state: TrainingState,
  ): Promise<SavedCheckpoint> {
    const previous = await this.readPointer(kind);
    const dir = `${this.runPrefix}/checkpoints/${kind}-e${state.epoch}-b${state.batch}-${Date.now()}-${this.serial++}`;
    try {
      await this.saveTrained(dir, model, optimizer);
      for (const extra of this.extras)
        await this.saveTrained(`${dir}/models/${extra.name}`, extra.model, extra.optimizer);
      await this.store.put(`${dir}/state.json`, JSON.stringify(state));
      // The pointer is replaced last (atomically): until then the previous checkpoint is the one in force.
      await this.store.put(
        this.pointerKey(kind),
        JSON.stringify({ dir, epoch: state.epoch, batch: state.batch } satisfies Pointer),
      );
    } catch (error) {
      // A full disk or a failing store: the pointer still names the previous checkpoint; leave no half folder.
      await this.store.deletePrefix(dir).catch(() => undefined);
      throw error;
    }
    if (previous && previous.dir !== dir) await this.store.deletePrefix(previous.dir).catch(() => undefined);
    return { kind, epoch: state.epoch, batch: state.batch, path: dir };
  }

  /** Loads a checkpoint's weights and optimizer slots into the given model and optimizer; returns its state. */
  async restore(
    kind: CheckpointKind,
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
  ): Promise<TrainingState | undefined> {
    const pointer = await this.readPointer(kind);
    if (!pointer) return undefined;
    await this.restoreTrained(pointer.dir, model, optimizer);
    for (const extra of this.extras)
      await this.restoreTrained(`${pointer.dir}/models/${extra.name}`, extra.model, extra.optimizer);
    return JSON.parse((await this.store.get(`${pointer.dir}/state.json`)).toString('utf8')) as TrainingState;
  }

  /** A model's weights (tfjs format) and its optimizer's slots, in `dir`. */
  private async saveTrained(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
    await model.save(artifactIOHandler(this.store, dir));
    const optimizerWeights = await optimizer.getWeights();
    const encoded = await tf.io.encodeWeights(optimizerWeights);
    // getWeights hands out the optimizer's own slot variables plus a fresh `iter` scalar: free only that.
    tf.dispose(optimizerWeights.filter((w) => w.name === 'iter').map((w) => w.tensor));
    await this.store.put(`${dir}/optimizer.bin`, new Uint8Array(encoded.data));
    await this.store.put(`${dir}/optimizer.json`, JSON.stringify(encoded.specs));
  }

  private async restoreTrained(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
    const saved = await tf.loadLayersModel(artifactIOHandler(this.store, dir));
    try {
      model.setWeights(saved.getWeights());
    } finally {
      saved.dispose();
    }
    const specs = JSON.parse(
      (await this.store.get(`${dir}/optimizer.json`)).toString('utf8'),
    ) as tf.io.WeightsManifestEntry[];
    if (specs.length > 0) {
      const data = await this.store.get(`${dir}/optimizer.bin`);
      const tensors = tf.io.decodeWeights(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
        specs,
      );
      await optimizer.setWeights(Object.entries(tensors).map(([name, tensor]) => ({ name, tensor })));
    }
  }

  private async readPointer(kind: CheckpointKind): Promise<Pointer | undefined> {
    if (!(await this.store.exists(this.pointerKey(kind)))) return undefined;
    return JSON.parse((await this.store.get(this.pointerKey(kind))).toString('utf8')) as Pointer;
  }
}
