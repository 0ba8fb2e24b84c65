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

export default async function processIngestJob(job: SandboxedJob) {
  const payload = parseIngestJobPayload(job.data);
  try {
    return await ingestDataset(payload, openArtifactStore(artifactStoreSettings(config)));
  } catch (error) {
    // Bad data stays bad: fail at once with the reason. Anything else (a network blip) is retried.
    if (error instanceof KilnError && error.isUserError) {
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
}
