/**
 * The child process that trains one job. Training blocks its thread for seconds at a time; running
 * it here keeps the worker's event loop free to renew its BullMQ lock (see docs/architecture.md).
 * It exits when its parent goes away, so a killed worker leaves no orphan training.
 */
import { initBackend } from '../engine/backend.ts';
import { usableReplicas } from '../engine/training/parallel/replicas.ts';
import { runTraining } from '../engine/run-training.ts';
import { openArtifactStore } from '../artifacts/index.ts';
import { openForTraining } from '../datasets/open-for-training.ts';
import type { OpenedDataset, ResolvedDataset } from '../domain/dataset.ts';
import { KilnError } from '../domain/errors.ts';
import { sendToParent } from '../lib/child-process.ts';
import { scratchDir } from '../lib/scratch-dirs.ts';
import type { RunEventDraft } from '../domain/run-event.ts';
import type { RunError } from '../domain/run-status.ts';
import type { ChildMessage, ParentMessage } from './training-process-protocol.ts';

const cancel = new AbortController();
const interrupt = new AbortController();

const send = (message: ChildMessage) => sendToParent(message);

process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal signals the whole process group: the worker decides how its jobs stop (an
// `interrupt` message, then a kill after KILN_SHUTDOWN_TIMEOUT_MS), so the training process ignores both.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

process.on('message', (message: ParentMessage) => {
  if (message.type === 'cancel') cancel.abort();
  else if (message.type === 'interrupt') interrupt.abort();
  else if (message.type === 'start') {
    void start(message).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});

async function start({ payload, settings }: Extract<ParentMessage, { type: 'start' }>): Promise<void> {
  const emit = (event: RunEventDraft) => void send({ type: 'event', event });
  const artifacts = openArtifactStore(settings.artifacts);
  let data: OpenedDataset | undefined;
  let validationData: OpenedDataset | undefined;
  let testData: OpenedDataset | undefined;
  try {
    const backend = await initBackend(settings.backend);
    // Say how many threads train: replicas run on the single-threaded backends only.
    const threads = usableReplicas(settings.trainingThreads, backend.backend);
    const device = threads > 1 ? `cpu (${backend.backend}, ${threads} threads)` : backend.device;
    await send({ type: 'event', event: { type: 'status', data: { status: 'running', ...backend, device } } });
    // The dataset is downloaded, verified and opened here, before the engine sees it.
    // One memory budget for the run's dataset, validation and test data together.
    const budget = { remaining: settings.dataMemoryBytes };
    const open = async (resolved: ResolvedDataset, field: string) => {
      const opened = await openForTraining(resolved, {
        artifacts,
        dataDir: settings.dataDir,
        datasetMirror: settings.datasetMirror,
        budget,
      });
      if (opened.onDisk?.length)
        emit({
          type: 'log',
          data: {
            level: 'info',
            message: `${field}: ${opened.onDisk.join(', ')} read from a local copy by position, past KILN_TRAINING_DATA_MEMORY_MB`,
          },
        });
      return opened;
    };
    if (payload.dataset) {
      data = await open(payload.dataset, 'dataset');
      if (data.sha256)
        emit({
          type: 'log',
          data: { level: 'info', message: `training data loaded, sha256 ${data.sha256}`, datasetSha256: data.sha256 },
        });
    }
    if (payload.validationDataset) validationData = await open(payload.validationDataset, 'validationData');
    if (payload.testDataset) testData = await open(payload.testDataset, 'testData');
    const outcome = await runTraining(
      { runId: payload.runId, spec: payload.spec, data, validationData, testData },
      {
        artifacts,
        replicas: settings.trainingThreads,
        emit,
        cancel: cancel.signal,
        interrupt: interrupt.signal,
        userCode: settings.allowUserCode
          ? {
              dir: scratchDir(settings.dataDir, 'train-step'),
              stepTimeoutMs: settings.stepTimeoutSeconds * 1000,
              // Sent before the step runs: a synchronous step that never returns blocks this process for good.
              watchdog: (ms) => void send({ type: 'watchdog', ms: ms ?? null }),
            }
          : undefined,
      },
    );
    await send({ type: 'outcome', outcome });
  } catch (error) {
    // A storage fault (full disk, store down) is the place's, not the run's: the worker retries it
    // like a crash, and the next try resumes from the last checkpoint that was written whole.
    const retryable = error instanceof KilnError && error.code === 'storage_unavailable';
    await send({ type: 'failed', retryable, error: runErrorOf(error) });
    throw error;
  } finally {
    for (const opened of [data, validationData, testData]) await opened?.close();
  }
}

/**
 * The failure a run records. Apart from storage faults, the same spec on the same backend fails the
 * same way, so none is retried: a spec Kiln cannot train says which field, anything else is a training error.
 */
function runErrorOf(error: unknown): RunError {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof KilnError && error.code === 'storage_unavailable') return { code: error.code, message };
  if (!(error instanceof KilnError) || error.code !== 'invalid_spec') return { code: 'training_error', message };
  const path = error.issues[0]?.path;
  return { code: 'invalid_spec', message, ...(path ? { details: { path } } : {}) };
}
