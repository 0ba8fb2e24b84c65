import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../../src/artifacts/fs-artifact-store.ts';
import { runTraining } from '../../../src/engine/run-training.ts';
import { parseRunSpec } from '../../../src/domain/run-spec/parse.ts';
import type { RunEventDraft } from '../../../src/domain/run-event.ts';
import { classifierSpec, divergingData } from './helpers.ts';

/**
 * One long epoch of synchronous batches, stopped by a signal that a timer fires, as the worker's IPC
 * message does in the training process: the timer only runs when the loop gives the event loop a turn.
 */
async function stopMidEpoch(which: 'cancel' | 'interrupt') {
  const store = new FsArtifactStore(await mkdtemp(join(tmpdir(), 'kiln-stop-')));
  const signals = { cancel: new AbortController(), interrupt: new AbortController() };
  const events: RunEventDraft[] = [];
  let batchesAtAbort = -1;
  const spec = parseRunSpec(
    classifierSpec({ dataset: { inline: divergingData(4000) } }, { epochs: 2, batchSize: 1, validationSplit: 0 }),
  );
  const timer = setTimeout(() => {
    batchesAtAbort = events.filter((e) => e.type === 'batch').length;
    signals[which].abort();
  }, 150);
  try {
    const outcome = await runTraining(
      { runId: `stop-${which}`, spec },
      {
        artifacts: store,
        emit: (e) => events.push(e),
        cancel: signals.cancel.signal,
        interrupt: signals.interrupt.signal,
        maxBatchEventsPerSec: Infinity,
      },
    );
    return { outcome, events, batchesAtAbort, store };
  } finally {
    clearTimeout(timer);
    await rm(store.root, { recursive: true, force: true });
  }
}

describe('cancel and shutdown reach a synchronous training loop within one batch', () => {
  test('cancel: the run ends at the batch that was running, not at the end of its 4,000-batch epoch', async () => {
    const { outcome, events, batchesAtAbort } = await stopMidEpoch('cancel');
    assert.deepEqual(outcome, { status: 'canceled' });
    const batches = events.filter((e) => e.type === 'batch');
    assert.ok(
      batchesAtAbort > 0 && batchesAtAbort < 3000,
      `the timer fired mid-epoch (after ${batchesAtAbort} batches)`,
    );
    assert.ok(
      batches.length <= batchesAtAbort + 1,
      `${batches.length - batchesAtAbort} batch(es) ran after the cancel`,
    );
    assert.equal(events.filter((e) => e.type === 'epoch').length, 0, 'no epoch completed');
  });

  test('shutdown: a checkpoint at the very batch the loop stopped at, to resume from', async () => {
    const { outcome, events, batchesAtAbort } = await stopMidEpoch('interrupt');
    assert.deepEqual(outcome, { status: 'interrupted' });
    const batches = events.filter((e) => e.type === 'batch');
    assert.ok(batches.length <= batchesAtAbort + 1, `${batches.length - batchesAtAbort} batch(es) ran after SIGTERM`);
    const checkpoint = events.find((e) => e.type === 'checkpoint');
    assert.ok(checkpoint, 'a checkpoint was written');
    assert.deepEqual(
      { epoch: checkpoint.data.epoch, batch: checkpoint.data.batch },
      { epoch: 0, batch: batches.length },
      'the checkpoint resumes after the last batch that ran',
    );
  });
});
