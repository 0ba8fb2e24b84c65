import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Callback, type StopReason, type TrainingContext } from '../training/callback.ts';

/**
 * Stops training after the current batch when one of its signals fires, with that signal's reason:
 * user cancellation (`canceled`) and worker shutdown (`interrupted`).
 *
 * The signals are fired by messages from the worker (IPC), which Node delivers only when the event
 * loop runs. A batch on the wasm or cpu backend is synchronous, and an epoch of them never gives the
 * loop a turn, so the callback yields once per batch (a few microseconds) before it looks: a cancel
 * or a shutdown is then seen at the end of the batch that was running when it arrived, whatever the
 * backend, and so is a worker that died (the `disconnect` that ends the training process).
 */
export class StopSignalCallback extends Callback {
  readonly name = 'stop-signals';

  constructor(private readonly signals: { signal: AbortSignal; reason: StopReason }[]) {
    super();
  }

  private check(ctx: TrainingContext): void {
    const fired = this.signals.find((s) => s.signal.aborted);
    if (fired) ctx.stop(fired.reason);
  }

  override async onBatchEnd(_e: number, _b: number, _l: unknown, ctx: TrainingContext): Promise<void> {
    await yieldToEventLoop();
    this.check(ctx);
  }

  override async onEpochBegin(_e: number, ctx: TrainingContext): Promise<void> {
    this.check(ctx);
  }
}
