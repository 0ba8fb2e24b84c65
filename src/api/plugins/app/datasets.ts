import fp from 'fastify-plugin';
import { Queue, QueueEvents } from 'bullmq';
import { QUEUES, type IngestJobPayload } from '../../../queue/contracts.ts';
import { datasetsService, type DatasetsService } from '../../services/datasets-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    datasetQueue: Queue<IngestJobPayload>;
    datasets: DatasetsService;
  }
}

/**
 * The dataset registry: the ingestion queue, the service, and the reconciler that records each
 * ingestion's outcome (or finishes the deletion of a dataset whose ingestion was stopped) — from the
 * queue's events as they happen, and by a sweep of datasets still `ingesting` or `deleting` for any
 * outcome the api missed while it was down.
 */
export default fp(
  async (app) => {
    const queue = new Queue<IngestJobPayload>(QUEUES.datasets, {
      connection: app.redis,
      prefix: app.redisKeys.bullPrefix,
      defaultJobOptions: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    app.decorate('datasetQueue', queue);
    const service = datasetsService({
      repo: app.repos.datasets,
      queue,
      artifacts: app.artifacts,
      limits: {
        maxUncompressedBytes: app.config.KILN_MAX_DATASET_MB * 1024 * 1024,
        maxFiles: app.config.KILN_MAX_DATASET_FILES,
        maxCsvColumns: app.config.KILN_MAX_CSV_COLUMNS,
        maxDownloadBytes: app.config.KILN_MAX_UPLOAD_MB * 1024 * 1024,
        allowPrivateUrls: app.config.KILN_ALLOW_PRIVATE_URLS,
      },
      sendControl: app.sendControl,
    });
    app.decorate('datasets', service);

    const settle = (id: string) =>
      service.reconcile(id).catch((err) => app.log.warn({ err, datasetId: id }, 'could not settle an ingestion'));
    // QueueEvents blocks on its connection, so it gets its own; BullMQ does not close connections it
    // was handed, so this plugin quits it at shutdown.
    const eventsConnection = app.redisConnection('kiln-api-dataset-events');
    const events = new QueueEvents(QUEUES.datasets, { connection: eventsConnection, prefix: app.redisKeys.bullPrefix });
    events.on('completed', ({ jobId }) => void settle(jobId));
    events.on('failed', ({ jobId }) => void settle(jobId));
    const sweep = async () => {
      for (const { id } of await app.repos.datasets.listUnsettled(new Date(Date.now() - 5000))) await settle(id);
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await events.waitUntilReady();
      await sweep().catch((err) => app.log.warn({ err }, 'dataset sweep failed'));
      timer = setInterval(
        () => void sweep().catch((err) => app.log.warn({ err }, 'dataset sweep failed')),
        15_000,
      ).unref();
    });
    app.addHook('preClose', async () => {
      clearInterval(timer);
      await events.close();
      await eventsConnection.quit().catch(() => eventsConnection.disconnect());
    });
    app.addHook('onClose', async () => {
      await queue.close();
    });
  },
  { name: 'datasets', dependencies: ['repositories', 'redis', 'queue', 'artifacts', 'multipart'] },
);
