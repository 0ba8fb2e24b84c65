/**
 * The child process that trains one job. Training blocks its thread for seconds at a time; running
 * it here keeps the worker's event loop free to renew its BullMQ lock (see docs/architecture.md).
 * It exits when its parent goes away, so a killed worker leaves no orphan training.
 */
import { initBackend } from '../engine/backend.ts';
import { usableReplicas } from '../engine/training/parallel/replicas.ts';
import { runTraining } from '../engine/run-training.ts';
import { SpecError } from '../engine/errors.ts';
import { openArtifactStore } from '../artifacts/index.ts';
import type { RunSpec } from '../engine/spec/run-spec.ts';
import type { ChildMessage, ParentMessage } from './training-process-protocol.ts';

const cancel = new AbortController();
const interrupt = new AbortController();

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => process.exit(0));

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
  try {
    const backend = await initBackend(settings.backend);
    // Say how many threads train: replicas run on the single-threaded backends only.
    const threads = usableReplicas(settings.trainingThreads, backend.backend);
    const device = threads > 1 ? `cpu (${backend.backend}, ${threads} threads)` : backend.device;
    await send({ type: 'event', event: { type: 'status', data: { status: 'running', ...backend, device } } });
    const outcome = await runTraining(
      { runId: payload.runId, spec: payload.spec as unknown as RunSpec, dataset: payload.dataset },
      {
        artifacts: openArtifactStore(settings.artifacts),
        dataDir: settings.dataDir,
        replicas: settings.trainingThreads,
        datasetMirror: settings.datasetMirror,
        emit: (event) => void send({ type: 'event', event }),
        cancel: cancel.signal,
        interrupt: interrupt.signal,
      },
    );
    await send({ type: 'outcome', outcome });
  } catch (error) {
    const spec = error instanceof SpecError;
    await send({
      type: 'failed',
      retryable: false, // the same spec on the same backend fails the same way: fail fast, do not retry
      error: {
        code: spec ? 'invalid_spec' : 'training_error',
        message: (error as Error).message,
        ...(spec && (error as SpecError).path ? { details: { path: (error as SpecError).path } } : {}),
      },
    });
    throw error;
  }
}
