import type { ChildProcess } from 'node:child_process';
import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { QUEUES, type ControlMessage, type IngestJobPayload } from '../queue/contracts.ts';
import { redisKeys } from '../queue/keys.ts';
import { createRedis } from '../queue/redis.ts';
import { artifactStoreSettings } from '../artifacts/from-config.ts';
import { processIngestJob } from './ingest-job.ts';

/**
 * How long an ingestion asked to stop may take to do so before its process is killed. It stops at its
 * next read, write or downloaded chunk; only a process stuck in one long computation needs killing.
 */
const STOP_GRACE_MS = 10_000;

/** An ingestion this worker is running. */
interface Running {
  job: Job<IngestJobPayload>;
  /** Its process, once forked. */
  child?: ChildProcess;
  limit: NodeJS.Timeout;
  kill?: NodeJS.Timeout;
  /** Why the worker killed its process, if it did. */
  killedFor?: string;
}

/**
 * Starts the BullMQ worker that ingests datasets, each in a process of its own that ends with it
 * (ingest-job.ts): a hostile file's memory goes with that process. Each ingestion gets
 * KILN_INGEST_TIMEOUT_SECONDS; one past it, or whose dataset is deleted (a `cancel-ingest` on the control
 * channel), is asked to stop, and killed if it has not within STOP_GRACE_MS. Either way it is not retried.
 */
export async function startIngestWorker(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const keys = redisKeys(config.KILN_QUEUE_PREFIX);
  const connection = createRedis(config.REDIS_URL, 'kiln-worker-ingest');
  const subscriber = createRedis(config.REDIS_URL, 'kiln-worker-ingest-control');
  const running = new Map<string, Running>();
  const worker = new Worker<IngestJobPayload>(
    QUEUES.datasets,
    // Three parameters: BullMQ only creates the AbortSignal for processors that declare it.
    (job, _token, signal) =>
      processIngestJob(job, signal, {
        artifacts: artifactStoreSettings(config),
        started: (id, child) => {
          const entry = running.get(id);
          if (entry) entry.child = child;
          log.info({ datasetId: id, pid: child.pid }, 'ingestion process started');
        },
        killedFor: (id) => running.get(id)?.killedFor,
      }),
    {
      connection,
      prefix: keys.bullPrefix,
      concurrency: 1,
      lockDuration: config.KILN_LOCK_DURATION_MS,
    },
  );
  worker.on('error', (error) => log.error({ err: error }, 'ingest worker error'));
  worker.on('failed', (job, error) =>
    log.warn({ datasetId: job?.data?.datasetId, err: error.message }, 'dataset ingestion failed'),
  );
  worker.on('completed', (job) => log.info({ datasetId: job.data.datasetId }, 'dataset ingested'));

  const limitSeconds = config.KILN_INGEST_TIMEOUT_SECONDS;
  const timedOut =
    `ingestion stopped: it took longer than KILN_INGEST_TIMEOUT_SECONDS (${limitSeconds} s); ` +
    'raise that setting for larger datasets or slower sources';

  /** Kills an ingestion that did not stop when asked; its job's data says why, so that no attempt follows. */
  const kill = async (id: string, reason: string) => {
    const entry = running.get(id);
    if (!entry) return;
    log.warn({ datasetId: id, pid: entry.child?.pid }, 'ingestion did not stop when asked; killing its process');
    entry.killedFor = reason;
    await entry.job.updateData({ ...entry.job.data, stopped: reason }).catch(() => undefined);
    entry.child?.kill('SIGKILL');
  };
  /** Asks an ingestion to stop (its signal aborts with `reason`), and arms the kill in case it does not. */
  const stop = (id: string, reason: string) => {
    const entry = running.get(id);
    if (!entry || entry.kill) return;
    log.info({ datasetId: id }, reason);
    worker.cancelJob(id, reason);
    entry.kill = setTimeout(() => void kill(id, reason), STOP_GRACE_MS).unref();
  };
  const forget = (job: Job | undefined) => {
    const entry = job?.id === undefined ? undefined : running.get(job.id);
    if (!entry) return;
    clearTimeout(entry.limit);
    clearTimeout(entry.kill);
    running.delete(job!.id!);
  };
  worker.on('active', (job) => {
    const id = job.id!;
    running.set(id, { job, limit: setTimeout(() => stop(id, timedOut), limitSeconds * 1000).unref() });
  });
  worker.on('completed', forget);
  worker.on('failed', forget);

  await subscriber.subscribe(keys.controlChannel);
  subscriber.on('message', (_channel, raw) => {
    const message = JSON.parse(raw) as ControlMessage;
    if (message.type === 'cancel-ingest') stop(message.datasetId, 'ingestion canceled: the dataset was deleted');
  });

  await worker.waitUntilReady();
  return {
    async close() {
      // The limits stay armed while a running ingestion finishes: closing waits for it.
      await worker.close();
      for (const entry of running.values()) {
        clearTimeout(entry.limit);
        clearTimeout(entry.kill);
      }
      await subscriber.quit().catch(() => undefined);
      await connection.quit().catch(() => undefined);
    },
  };
}
