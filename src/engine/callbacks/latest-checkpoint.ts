import { Callback, type Logs, type TrainingContext } from '../training/callback.ts';
import type { CheckpointStore, SavedCheckpoint } from '../training/checkpoint-store.ts';

/**
 * Writes the `latest` checkpoint at the end of every epoch, and at a batch boundary when the worker
 * is shutting down or the run is out of time, so that a retried job resumes where this one stopped
 * and a timed-out run keeps its last state.
 */
export class LatestCheckpointCallback extends Callback {
  readonly name = 'latest-checkpoint';

  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly onSaved: (saved: SavedCheckpoint) => void,
  ) {
    super();
  }

  private async save(ctx: TrainingContext): Promise<void> {
    const saved = await this.checkpoints.save('latest', ctx.model, ctx.optimizer, ctx.captureState());
    this.onSaved(saved);
  }

  override async onBatchEnd(_e: number, _b: number, _l: Logs, ctx: TrainingContext): Promise<void> {
    if (ctx.stopReason === 'interrupted' || ctx.stopReason === 'timeout') await this.save(ctx);
  }

  override async onEpochEnd(_e: number, _l: Logs, _r: unknown, ctx: TrainingContext): Promise<void> {
    await this.save(ctx);
  }
}
