/** `npm run api`: the HTTP and WebSocket process, the only one that opens the database. */
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../lib/logger.ts';
import { assertRedisReachable } from '../queue/redis.ts';
import { onShutdownSignal } from '../lib/shutdown.ts';
import { buildApp } from './app.ts';
import { listen } from './listen.ts';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, 'api');
await assertRedisReachable(config.REDIS_URL);
const app = await buildApp(config, log);
await listen(app, config, log);
onShutdownSignal(log, () => app.close());
