/**
 * `npm start`: Kiln on one machine — the api plus KILN_WORKERS worker processes, each restarted if it
 * dies. Several machines run `npm run api` and `npm run worker` instead, sharing Redis, PostgreSQL
 * and the artifact store.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from './config/config.ts';
import { createLogger } from './lib/logger.ts';
import { assertRedisReachable } from './queue/redis.ts';
import { onShutdownSignal } from './lib/shutdown.ts';
import { buildApp } from './api/app.ts';
import { listen } from './api/listen.ts';
import { EXIT_MISCONFIGURED } from './worker/exit-codes.ts';

const WORKER_MAIN = fileURLToPath(new URL('./worker/main.ts', import.meta.url));

let config: Config;
try {
  config = loadConfig();
  await assertRedisReachable(config.REDIS_URL);
} catch (error) {
  console.error(`kiln: ${(error as Error).message}`);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL, 'api');

const app = await buildApp(config, log);
const url = await listen(app, config, log);

const workers = new Set<ChildProcess>();
let stopping = false;
function startWorker(slot: number): void {
  // One metrics port per local worker, counting up from KILN_METRICS_PORT.
  const metricsPort = config.KILN_METRICS_PORT ? config.KILN_METRICS_PORT + slot : 0;
  const child = fork(WORKER_MAIN, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KILN_METRICS_PORT: String(metricsPort) },
  });
  workers.add(child);
  child.on('exit', (code, signal) => {
    workers.delete(child);
    if (stopping) return;
    if (code === EXIT_MISCONFIGURED) {
      log.error({ slot }, 'worker refused to start (see its message above); not restarting it');
      return;
    }
    log.warn({ slot, code, signal }, 'worker process exited; starting another');
    setTimeout(() => startWorker(slot), 1000).unref();
  });
}
for (let slot = 0; slot < config.KILN_WORKERS; slot++) startWorker(slot);
log.info({ workers: config.KILN_WORKERS, url }, 'kiln started');

// Ordered shutdown: workers first (each lets its batch finish, checkpoints and hands its job back,
// and the api is still there to record that), then the api closes HTTP, Redis and the database.
onShutdownSignal(log, async () => {
  stopping = true;
  const exits = [...workers].map((w) => new Promise((resolve) => w.once('exit', resolve)));
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(exits);
  await app.close();
});
