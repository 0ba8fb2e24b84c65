import { Callback, type TrainingContext } from '../training/callback.ts';

/**
 * Stops training with reason `timeout` once the run has trained for `maxRuntimeSeconds` in all
 * (`fit.maxRuntimeSeconds`, SageMaker's StoppingCondition). The time already spent is part of every
 * checkpoint, so a run resumed on another worker keeps counting rather than starting over; time
 * after the last checkpoint of a crashed attempt is lost, so the limit errs in the run's favour.
 */
export class MaxRuntimeCallback extends Callback {
  readonly name = 'max-runtime';
  private spentBeforeMs = 0;
  private startedAt: number | undefined;

  constructor(
    private readonly maxRuntimeSeconds: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
  }

  /** Training time so far, over every attempt. */
  elapsedMs(): number {
    return this.spentBeforeMs + (this.startedAt === undefined ? 0 : this.now() - this.startedAt);
  }

  override async onTrainBegin(_ctx: TrainingContext): Promise<void> {
    this.startedAt = this.now();
  }

  override async onBatchEnd(_e: number, _b: number, _l: unknown, ctx: TrainingContext): Promise<void> {
    if (this.elapsedMs() >= this.maxRuntimeSeconds * 1000) ctx.stop('timeout');
  }

  override async onEpochBegin(_e: number, ctx: TrainingContext): Promise<void> {
    if (this.elapsedMs() >= this.maxRuntimeSeconds * 1000) ctx.stop('timeout');
  }

  override getState(): unknown {
    return { elapsedMs: this.elapsedMs() };
  }

  override setState(state: unknown): void {
    const elapsed = (state as { elapsedMs?: unknown } | undefined)?.elapsedMs;
    if (typeof elapsed === 'number' && Number.isFinite(elapsed)) this.spentBeforeMs = elapsed;
  }
}
