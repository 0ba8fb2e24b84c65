import { Callback, type EpochRecord, type Logs, type TrainingContext } from '../training/callback.ts';
import type { RunEventDraft } from '../../domain/run-event.ts';

/**
 * Reports progress as run events: per-batch (throttled to at most `maxBatchEventsPerSec`, plus the
 * last batch of each epoch) and per-epoch with every metric, the learning rate, duration and rate.
 */
export class ProgressCallback extends Callback {
  readonly name = 'progress';
  private lastBatchEvent = 0;
  private epochStarted = 0;
  private batchesThisEpoch = 0;

  constructor(
    private readonly emit: (event: RunEventDraft) => void,
    private readonly maxBatchEventsPerSec = 4,
  ) {
    super();
  }

  override async onEpochBegin(_epoch: number): Promise<void> {
    this.epochStarted = performance.now();
    this.batchesThisEpoch = 0;
  }

  override async onBatchEnd(epoch: number, batch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    this.batchesThisEpoch++;
    const now = performance.now();
    const last = batch === ctx.batchesPerEpoch - 1;
    if (!last && now - this.lastBatchEvent < 1000 / this.maxBatchEventsPerSec) return;
    this.lastBatchEvent = now;
    const elapsed = (now - this.epochStarted) / 1000;
    const samples = Math.min(this.batchesThisEpoch * ctx.batchSize, ctx.samples);
    const samplesPerSec = elapsed > 0 ? samples / elapsed : 0;
    const remaining = ctx.batchesPerEpoch - (batch + 1);
    this.emit({
      type: 'batch',
      data: {
        epoch: epoch + 1,
        epochs: ctx.epochs,
        batch: batch + 1,
        batches: ctx.batchesPerEpoch,
        metrics: logs,
        samplesPerSec,
        etaSeconds: this.batchesThisEpoch > 0 ? (elapsed / this.batchesThisEpoch) * remaining : null,
      },
    });
  }

  override async onEpochEnd(_epoch: number, _logs: Logs, record: EpochRecord, ctx: TrainingContext): Promise<void> {
    this.emit({ type: 'epoch', data: { ...record, epochs: ctx.epochs } });
  }
}
