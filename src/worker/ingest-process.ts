/**
 * The child process that ingests one dataset, then exits. Decoding a large image ZIP blocks its thread
 * for seconds (the worker's event loop stays free to renew its lock), and whatever memory a hostile
 * file made it take goes back to the system with the process instead of staying with a long-lived one.
 * It exits when its worker goes away.
 */
import { openArtifactStore } from '../artifacts/index.ts';
import { ingestDataset } from '../datasets/ingest.ts';
import { KilnError } from '../domain/errors.ts';
import { sendToParent } from '../lib/child-process.ts';
import type { IngestChildMessage, IngestParentMessage } from './ingest-process-protocol.ts';

const stop = new AbortController();

const send = (message: IngestChildMessage) => sendToParent(message);

process.on('disconnect', () => process.exit(0));
process.on('message', (message: IngestParentMessage) => {
  if (message.type === 'stop') stop.abort(message.reason);
  else if (message.type === 'start') void ingest(message).finally(() => process.exit(0));
});

async function ingest({ payload, artifacts }: Extract<IngestParentMessage, { type: 'start' }>): Promise<void> {
  try {
    const result = await ingestDataset(payload, openArtifactStore(artifacts), stop.signal);
    await send({ type: 'done', result });
  } catch (error) {
    // Stopped on purpose, or bad data (which stays bad): final. Anything else (a network blip) is retried.
    if (stop.signal.aborted) return send({ type: 'failed', message: String(stop.signal.reason), final: true });
    const final = error instanceof KilnError && error.isUserError;
    await send({ type: 'failed', message: (error as Error)?.message ?? String(error), final });
  }
}
