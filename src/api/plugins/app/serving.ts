import fp from 'fastify-plugin';
import { initBackend } from '../../../engine/backend.ts';
import { ServingService, type ServedModelRecord } from '../../../serving/index.ts';
import { InferencePool } from '../../../serving/inference/inference-pool.ts';

/**
 * The inference threads, on the backend the api chose. The native backend (tfjs-node) cannot load in a
 * second thread (tfjs #2079) and runs its kernels on its own thread pool anyway: no threads there.
 */
function inferencePool(
  threads: number,
  backend: string,
  log: {
    warn(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  },
): InferencePool | undefined {
  if (threads === 0) return undefined;
  if (backend !== 'wasm' && backend !== 'cpu') {
    log.warn({ threads, backend }, 'KILN_SERVING_THREADS is ignored: the native backend runs its own threads');
    return undefined;
  }
  log.info({ threads, backend }, 'inference threads started');
  return new InferencePool(threads, backend, log);
}

/** A model as the metrics name it: `name:version`. */
const label = (record: ServedModelRecord) => `${record.name}:${record.version}`;

declare module 'fastify' {
  interface FastifyInstance {
    serving: ServingService;
  }
}

/**
 * Model serving for the /models/:id/predict and /v1 routes. The api's TensorFlow.js backend is chosen
 * here, once, before any model loads; loaded models are freed when the api closes.
 */
export default fp(
  async (app) => {
    const backend = await initBackend(app.config.TFJS_BACKEND);
    app.log.info(backend, 'serving backend ready');
    const pool = inferencePool(app.config.KILN_SERVING_THREADS, backend.backend, app.log);
    const serving = new ServingService(
      app.artifacts,
      {
        cacheBytes: app.config.KILN_MODEL_CACHE_MB * 1024 * 1024,
        batchMaxSize: app.config.KILN_BATCH_MAX_SIZE,
        batchTimeoutMs: app.config.KILN_BATCH_TIMEOUT_MS,
        maxQueue: app.config.KILN_SERVING_MAX_QUEUE,
        maxInstances: app.config.KILN_PREDICT_MAX_INSTANCES,
      },
      app.log,
      {
        predict: (record, seconds, outcome) =>
          app.metrics.predictSeconds.observe({ model: label(record), outcome }, seconds),
        batch: (record, instances, waits) => {
          const model = label(record);
          app.metrics.servingBatchSize.observe({ model }, instances);
          for (const seconds of waits) app.metrics.servingQueueSeconds.observe({ model }, seconds);
        },
      },
      pool,
    );
    app.decorate('serving', serving);
    app.addHook('onClose', async () => {
      serving.close();
      await pool?.close();
    });
  },
  { name: 'serving', dependencies: ['config', 'database', 'artifacts', 'metrics'] },
);
