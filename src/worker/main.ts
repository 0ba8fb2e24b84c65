/** `npm run worker`: one training worker process. It needs Redis and the artifact store, never the database. */
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../lib/logger.ts';
import { assertRedisReachable } from '../queue/redis.ts';
import { startTrainingWorker } from './training-worker.ts';
import { sweepScratch } from './scratch-sweep.ts';
import { startIngestWorker } from './ingest-worker.ts';
import { onShutdownSignal } from '../lib/shutdown.ts';
import { gpuRequirementProblem, probeDevice } from './device.ts';
import { WorkerMetrics } from './metrics.ts';
import { EXIT_MISCONFIGURED } from './exit-codes.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, 'worker');
// Which device jobs will train on, found while Redis is checked: logged, and required when KILN_REQUIRE_GPU is set.
const probing = probeDevice(config.TFJS_BACKEND);
await assertRedisReachable(config.REDIS_URL);
const device = await probing.catch((error: Error) => {
  log.fatal({ backend: config.TFJS_BACKEND }, `the training backend does not load: ${error.message}`);
  process.exit(EXIT_MISCONFIGURED);
});
log.info(device, 'training device');
const problem = gpuRequirementProblem(config.KILN_REQUIRE_GPU, device);
if (problem) {
  log.fatal(device, problem);
  process.exit(EXIT_MISCONFIGURED);
}

// Scratch left by a worker that died with its training processes (a killed container, a crash).
await sweepScratch(config.KILN_DATA_DIR, log);
const metrics = new WorkerMetrics(device.device);
const metricsServer = config.KILN_METRICS_PORT ? await metrics.listen(config.KILN_METRICS_PORT, log) : undefined;
const ingest = await startIngestWorker(config, log);
const worker = await startTrainingWorker(config, log, metrics);
onShutdownSignal(log, async () => {
  await Promise.all([worker.close(), ingest.close()]);
  metricsServer?.close();
});
