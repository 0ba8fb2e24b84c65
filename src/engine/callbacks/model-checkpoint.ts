import { Callback, type Logs, type TrainingContext } from '../training/callback.ts';
import type { CheckpointStore, SavedCheckpoint } from '../training/checkpoint-store.ts';
import { Monitor, type MonitorMode } from './monitor.ts';

export interface ModelCheckpointOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Default 'auto'. */
  mode?: MonitorMode;
  /** Keep only the best epoch's model (else every epoch's). Default false. */
  saveBestOnly?: boolean;
}

/** Keras' ModelCheckpoint (tfjs has none): writes the `best` checkpoint when the monitored metric improves. */
export class ModelCheckpointCallback extends Callback {
  readonly name = 'modelCheckpoint';
  private readonly monitor: Monitor;
  private best: number;

  constructor(
    private readonly opts: ModelCheckpointOptions,
    private readonly checkpoints: CheckpointStore,
    private readonly onSaved: (saved: SavedCheckpoint & { monitor: string; value: number | null }) => void,
  ) {
    super();
    this.monitor = new Monitor(opts.monitor ?? 'val_loss', opts.mode ?? 'auto');
    this.best = this.monitor.best;
  }

  override async onEpochEnd(_epoch: number, logs: Logs, _r: unknown, ctx: TrainingContext): Promise<void> {
    const current = this.monitor.read(logs);
    if (this.opts.saveBestOnly) {
      if (current === undefined || !this.monitor.isImprovement(current, this.best)) return;
      this.best = current;
    }
    const saved = await this.checkpoints.save('best', ctx.model, ctx.optimizer, ctx.captureState());
    this.onSaved({ ...saved, monitor: this.monitor.name, value: current ?? null });
  }

  override getState(): unknown {
    return { best: this.best };
  }

  override setState(state: unknown): void {
    this.best = (state as { best: number | null }).best ?? this.monitor.best; // JSON turns ±Infinity into null
  }
}
