import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { QUEUES, type ControlMessage } from '../queue/contracts.ts';
import { redisKeys } from '../queue/keys.ts';
import { createRedis } from '../queue/redis.ts';
import { EventPublisher } from '../queue/event-publisher.ts';
import { processTrainJob } from './train-job.ts';
import { artifactStoreSettings } from '../artifacts/from-config.ts';
import type { WorkerMetrics } from './metrics.ts';
import { TrainingProcesses } from './training-processes.ts';
import { claimRun } from './run-owner.ts';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface TrainingWorker {
  /** Ordered shutdown: stop taking jobs, checkpoint running ones at a batch boundary, hand them back, disconnect. */
  close(): Promise<void>;
  readonly worker: Worker;
}

/** Starts a BullMQ worker for training jobs, with its cancel listener and event publisher. */
export async function startTrainingWorker(
  config: Config,
  log: Logger,
  metrics?: WorkerMetrics,
): Promise<TrainingWorker> {
  const keys = redisKeys(config.KILN_QUEUE_PREFIX);
  const connection = createRedis(config.REDIS_URL, 'kiln-worker');
  const publisherRedis = createRedis(config.REDIS_URL, 'kiln-worker-events');
  const subscriber: Redis = createRedis(config.REDIS_URL, 'kiln-worker-control');
  const publisher = new EventPublisher(publisherRedis, keys);
  const shutdown = new AbortController();
  const processes = new TrainingProcesses();
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const worker = new Worker(
    QUEUES.training,
    // Three parameters: BullMQ only creates the AbortSignal for processors that declare it.
    (job, token, signal) =>
      processTrainJob(job, token, signal, {
        publisher,
        settings: {
          backend: config.TFJS_BACKEND,
          dataDir: config.KILN_DATA_DIR,
          datasetMirror: config.KILN_DATASET_MIRROR,
          artifacts: artifactStoreSettings(config),
          trainingThreads: config.KILN_TRAINING_THREADS,
          dataMemoryBytes: config.KILN_TRAINING_DATA_MEMORY_MB * 1024 * 1024,
          allowUserCode: config.KILN_ALLOW_USER_CODE,
          stepTimeoutSeconds: config.KILN_STEP_TIMEOUT_SECONDS,
        },
        shutdown: shutdown.signal,
        log,
        metrics,
        processes,
        claim: (runId) => claimRun(publisherRedis, keys.runOwner(runId), workerId, log),
      }),
    {
      connection,
      prefix: keys.bullPrefix,
      // Each job trains in its own child process, so N jobs use N cores (or share one GPU).
      concurrency: config.KILN_WORKER_CONCURRENCY,
      lockDuration: config.KILN_LOCK_DURATION_MS,
      stalledInterval: config.KILN_LOCK_DURATION_MS,
      maxStalledCount: config.KILN_JOB_ATTEMPTS,
      autorun: false,
    },
  );
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ runId: jobId }, 'job stalled (its worker vanished); it will be retried'));

  await subscriber.subscribe(keys.controlChannel);
  subscriber.on('message', (_channel, raw) => {
    const message = JSON.parse(raw) as ControlMessage;
    if (message.type === 'cancel' && worker.cancelJob(message.runId, 'canceled by user')) {
      log.info({ runId: message.runId }, 'cancel requested');
    }
  });

  void worker.run();
  await worker.waitUntilReady();
  log.info(
    { prefix: keys.bullPrefix, concurrency: config.KILN_WORKER_CONCURRENCY, artifacts: config.KILN_ARTIFACT_STORE },
    'worker ready',
  );

  return {
    worker,
    async close() {
      const closing = worker.close();
      shutdown.abort();
      const timedOut = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.KILN_SHUTDOWN_TIMEOUT_MS).unref()),
      ]);
      if (timedOut) {
        // A batch longer than the deadline: end its process. The job goes back to the queue and
        // resumes from its last checkpoint (train-job.ts); the close then completes at once.
        log.warn(
          { processes: processes.size, timeoutMs: config.KILN_SHUTDOWN_TIMEOUT_MS },
          'running jobs did not reach a batch boundary in time (KILN_SHUTDOWN_TIMEOUT_MS); ending their training processes',
        );
        await processes.endAll();
        await Promise.race([closing, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      await subscriber.quit().catch(() => undefined);
      await publisherRedis.quit().catch(() => undefined);
      await connection.quit().catch(() => undefined);
    },
  };
}
