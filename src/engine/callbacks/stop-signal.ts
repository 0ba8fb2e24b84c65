import { Callback, type StopReason, type TrainingContext } from '../training/callback.ts';

/**
 * Stops training after the current batch when a signal fires: one instance for user cancellation
 * (reason `canceled`), one for worker shutdown (reason `interrupted`).
 */
export class StopSignalCallback extends Callback {
  readonly name: string;

  constructor(
    private readonly signal: AbortSignal,
    private readonly reason: StopReason,
  ) {
    super();
    this.name = `stop-on-${reason}`;
  }

  override async onBatchEnd(_e: number, _b: number, _l: unknown, ctx: TrainingContext): Promise<void> {
    if (this.signal.aborted) ctx.stop(this.reason);
  }

  override async onEpochBegin(_e: number, ctx: TrainingContext): Promise<void> {
    if (this.signal.aborted) ctx.stop(this.reason);
  }
}
