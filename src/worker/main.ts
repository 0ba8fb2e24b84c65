/** `npm run worker`: one training worker process. It needs Redis and the artifact store, never the database. */
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../lib/logger.ts';
import { assertRedisReachable } from '../queue/redis.ts';
import { startTrainingWorker } from './training-worker.ts';
import { startIngestWorker } from './ingest-worker.ts';
import { onShutdownSignal } from '../lib/shutdown.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, 'worker');
await assertRedisReachable(config.REDIS_URL);
const ingest = await startIngestWorker(config, log);
const worker = await startTrainingWorker(config, log);
onShutdownSignal(log, async () => {
  await Promise.all([worker.close(), ingest.close()]);
});
