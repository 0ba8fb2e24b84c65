/**
 * BullMQ sandboxed processor for dataset ingestion: BullMQ runs this file in its own child process,
 * so decoding a large image ZIP cannot block the worker's lock renewal. Thin: parse, call the domain.
 */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { loadConfig } from '../config/config.ts';
import { openArtifactStore } from '../artifacts/index.ts';
import { artifactStoreSettings } from '../artifacts/from-config.ts';
import { parseIngestJobPayload } from '../queue/contracts.ts';
import { ingestDataset } from '../datasets/ingest.ts';
import { KilnError } from '../domain/errors.ts';

// This file is its own process's entry point: it reads the settings the worker was started with.
const config = loadConfig();

/** What this process tells its worker first: which process to kill should it not stop when asked. */
export interface IngestProgress {
  pid: number;
}

// Three parameters: the signal is aborted by the worker (time limit, dataset deleted) with the reason to show.
export default async function processIngestJob(job: SandboxedJob, _token?: string, signal?: AbortSignal) {
  const payload = parseIngestJobPayload(job.data);
  // An earlier attempt had to be killed (ingest-worker.ts); it is not tried again.
  if (payload.stopped) throw new UnrecoverableError(payload.stopped);
  await job.updateProgress({ pid: process.pid } satisfies IngestProgress);
  try {
    return await ingestDataset(payload, openArtifactStore(artifactStoreSettings(config)), signal);
  } catch (error) {
    // Stopped on purpose: fail at once, with the reason. Not retried.
    if (signal?.aborted) throw new UnrecoverableError(String(signal.reason));
    // Bad data stays bad: fail at once with the reason. Anything else (a network blip) is retried.
    if (error instanceof KilnError && error.isUserError) {
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
}
