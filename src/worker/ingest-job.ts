import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkModule } from '../lib/child-process.ts';
import { UnrecoverableError, type Job } from 'bullmq';
import type { ArtifactStoreSettings } from '../artifacts/index.ts';
import type { IngestResult } from '../domain/ingestion.ts';
import { parseIngestJobPayload } from '../queue/contracts.ts';
import type { IngestChildMessage, IngestParentMessage } from './ingest-process-protocol.ts';

const INGEST_PROCESS = fileURLToPath(new URL('./ingest-process.ts', import.meta.url));

export interface IngestJobDeps {
  artifacts: ArtifactStoreSettings;
  /** Told of the process that runs the job, so that an ingestion that does not stop when asked can be killed. */
  started(jobId: string, child: ChildProcess): void;
  /** Why this job's process was killed, if the worker killed it. */
  killedFor(jobId: string): string | undefined;
}

type Verdict = IngestChildMessage | { type: 'crashed'; message: string };

/**
 * The BullMQ processor for dataset ingestion, thin on purpose: it forks a process for this one job,
 * relays a stop (time limit, dataset deleted) to it, and maps its verdict onto the queue: the result,
 * failed for good (bad data, stopped), or retried (anything else).
 */
export async function processIngestJob(
  job: Job,
  signal: AbortSignal | undefined,
  deps: IngestJobDeps,
): Promise<IngestResult> {
  const payload = parseIngestJobPayload(job.data);
  // An earlier attempt had to be killed (ingest-worker.ts); it is not tried again.
  if (payload.stopped) throw new UnrecoverableError(payload.stopped);
  const child = forkModule(INGEST_PROCESS);
  deps.started(job.id!, child);
  const tell = (message: IngestParentMessage) => {
    if (child.connected) child.send(message);
  };
  const onStop = () => tell({ type: 'stop', reason: String(signal!.reason) });
  signal?.addEventListener('abort', onStop, { once: true });
  let verdict: Verdict;
  try {
    const settled = new Promise<Verdict>((resolve) => {
      let said: IngestChildMessage | undefined;
      child.on('message', (message: IngestChildMessage) => (said = message));
      child.on('error', (error) => resolve({ type: 'crashed', message: `could not start: ${error.message}` }));
      child.on('exit', (code, sig) =>
        resolve(said ?? { type: 'crashed', message: sig ? `was killed by ${sig}` : `exited with code ${code}` }),
      );
    });
    tell({ type: 'start', payload, artifacts: deps.artifacts });
    if (signal?.aborted) onStop();
    verdict = await settled;
  } finally {
    signal?.removeEventListener('abort', onStop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (verdict.type === 'done') return verdict.result;
  if (verdict.type === 'failed')
    throw verdict.final ? new UnrecoverableError(verdict.message) : new Error(verdict.message);
  const killed = deps.killedFor(job.id!);
  if (killed) throw new UnrecoverableError(killed);
  throw new Error(`the ingestion process ${verdict.message}`);
}
