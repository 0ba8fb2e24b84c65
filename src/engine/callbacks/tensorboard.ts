import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Callback, type Logs, type TrainingContext } from '../training/callback.ts';
import { EventFileWriter } from '../tensorboard/event-file-writer.ts';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';

export interface TensorBoardOptions {
  /** Write weight histograms every this many epochs (0 = never). Default 0. */
  histogramFreq?: number;
  /** 'epoch', or write batch scalars every N batches. Default 'epoch'. */
  updateFreq?: 'epoch' | number;
}

/**
 * Keras' TensorBoard callback: event files in `train/` and `validation/` with Keras' tags
 * (epoch_loss, epoch_accuracy, epoch_learning_rate, batch_loss…) and weight histograms, written
 * locally and copied to the artifact store after every epoch so `GET /runs/:id/tensorboard` serves
 * them while the run trains. A resumed run adds new event files beside the old ones, as TensorBoard expects.
 */
export class TensorBoardCallback extends Callback {
  readonly name = 'tensorBoard';
  private dir?: string;
  private train?: EventFileWriter;
  private validation?: EventFileWriter;
  private globalBatch = 0;

  constructor(
    private readonly opts: TensorBoardOptions,
    private readonly store: ArtifactStore,
    private readonly prefix: string,
  ) {
    super();
  }

  override async onTrainBegin(ctx: TrainingContext): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'kiln-tb-'));
    this.train = new EventFileWriter(join(this.dir, 'train'));
    this.validation = new EventFileWriter(join(this.dir, 'validation'));
    this.globalBatch = ctx.captureState().epoch * ctx.batchesPerEpoch;
  }

  override async onBatchEnd(_epoch: number, _batch: number, logs: Logs): Promise<void> {
    this.globalBatch++;
    const every = this.opts.updateFreq;
    if (typeof every !== 'number' || this.globalBatch % every !== 0) return;
    for (const [key, value] of Object.entries(logs)) this.train!.scalar(`batch_${key}`, value, this.globalBatch);
  }

  override async onEpochEnd(epoch: number, logs: Logs, _r: unknown, ctx: TrainingContext): Promise<void> {
    for (const [key, value] of Object.entries(logs)) {
      if (key.startsWith('val_')) this.validation!.scalar(`epoch_${key.slice(4)}`, value, epoch);
      else this.train!.scalar(`epoch_${key}`, value, epoch);
    }
    this.train!.scalar('epoch_learning_rate', ctx.learningRate, epoch);
    const freq = this.opts.histogramFreq ?? 0;
    if (freq > 0 && epoch % freq === 0) {
      for (const weight of ctx.model.weights) {
        this.train!.histogram(weight.name, weight.read().dataSync() as Float32Array, epoch);
      }
    }
    await this.upload();
  }

  override async onTrainEnd(): Promise<void> {
    await this.upload();
    this.train?.close();
    this.validation?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async upload(): Promise<void> {
    this.train!.flush();
    this.validation!.flush();
    for (const file of await readdir(this.dir!, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      await this.store.put(`${this.prefix}/${relative(this.dir!, path).split('\\').join('/')}`, await readFile(path));
    }
  }
}
