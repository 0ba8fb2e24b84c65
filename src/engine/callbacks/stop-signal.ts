import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Callback, type StopReason, type TrainingContext } from '../training/callback.ts';

/**
 * Stops training after the current batch when a signal fires: one instance for user cancellation
 * (reason `canceled`), one for worker shutdown (reason `interrupted`).
 *
 * The signals are fired by messages from the worker (IPC), which Node delivers only when the event
 * loop runs. A batch on the wasm or cpu backend is synchronous, and an epoch of them never gives the
 * loop a turn, so the callback yields once per batch (a few microseconds) before it looks: a cancel
 * or a shutdown is then seen within one batch whatever the backend, and so is a worker that died
 * (the `disconnect` that ends the training process).
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
    if (!this.signal.aborted) await yieldToEventLoop();
    if (this.signal.aborted) ctx.stop(this.reason);
  }

  override async onEpochBegin(_e: number, ctx: TrainingContext): Promise<void> {
    if (this.signal.aborted) ctx.stop(this.reason);
  }
}
