import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { QUEUES } from '../queue/contracts.ts';
import { redisKeys } from '../queue/keys.ts';
import { createRedis } from '../queue/redis.ts';

const PROCESSOR = fileURLToPath(new URL('./ingest-processor.ts', import.meta.url));

/** Starts the BullMQ worker that ingests datasets (in sandboxed child processes). */
export async function startIngestWorker(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const connection = createRedis(config.REDIS_URL, 'kiln-worker-ingest');
  const worker = new Worker(QUEUES.datasets, PROCESSOR, {
    connection,
    prefix: redisKeys(config.KILN_QUEUE_PREFIX).bullPrefix,
    concurrency: 1,
    lockDuration: config.KILN_LOCK_DURATION_MS,
  });
  worker.on('error', (error) => log.error({ err: error }, 'ingest worker error'));
  worker.on('failed', (job, error) =>
    log.warn({ datasetId: job?.data?.datasetId, err: error.message }, 'dataset ingestion failed'),
  );
  worker.on('completed', (job) => log.info({ datasetId: job.data.datasetId }, 'dataset ingested'));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
