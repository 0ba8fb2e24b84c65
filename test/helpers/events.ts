import type { RunEventDraft } from '../../src/domain/run-event.ts';

/** A batch event as the engine emits one; `extra` adds fields (e.g. padding to make it large). */
export function batchEvent(epoch: number, batch: number, extra: Record<string, unknown> = {}): RunEventDraft {
  return {
    type: 'batch',
    data: {
      epoch,
      epochs: epoch,
      batch,
      batches: batch + 1,
      metrics: { loss: 1 },
      samplesPerSec: 1,
      etaSeconds: null,
      ...extra,
    },
  };
}

/** An epoch event as the engine emits one. */
export function epochEvent(epoch: number, loss: number, extra: Record<string, unknown> = {}): RunEventDraft {
  return { type: 'epoch', data: { epoch, metrics: { loss }, lr: 0.01, durationMs: 1, samplesPerSec: 1, ...extra } };
}
