import type { ArtifactStoreSettings } from '../artifacts/index.ts';
import type { IngestResult } from '../domain/ingestion.ts';
import type { IngestJobPayload } from '../queue/contracts.ts';

/** Messages between a worker and the child process that ingests one dataset (over Node's IPC channel). */
export type IngestParentMessage =
  | { type: 'start'; payload: IngestJobPayload; artifacts: ArtifactStoreSettings }
  /** Stop at the next read, write or downloaded chunk (time limit, dataset deleted), with the reason to show. */
  | { type: 'stop'; reason: string };

export type IngestChildMessage =
  | { type: 'done'; result: IngestResult }
  /** `final`: bad data, or stopped on purpose: not worth another attempt. */
  | { type: 'failed'; message: string; final: boolean };
