import fp from 'fastify-plugin';
import { EventHub } from '../../telemetry/event-hub.ts';
import { replayEvents } from '../../telemetry/event-replay.ts';
import type { RunEvent } from '../../../domain/run-event.ts';
import type { SenderLimits } from '../../telemetry/socket-sender.ts';

declare module 'fastify' {
  interface FastifyInstance {
    telemetry: {
      hub: EventHub;
      replay(runId: string, since: number): AsyncIterable<RunEvent>;
      limits: SenderLimits;
      pingMs: number;
    };
  }
}

/** Live run events for watchers: the replica's fan-out hub, replay from the database and Redis, socket limits. */
export default fp(
  async (app) => {
    const redis = app.redisConnection('kiln-api-live');
    const hub = new EventHub(redis, app.redisKeys, app.log);
    const maxBytes = app.config.KILN_WS_MAX_BUFFER_MB * 1024 * 1024;
    app.decorate('telemetry', {
      hub,
      replay: (runId: string, since: number) =>
        replayEvents(app.repos.runEvents, app.redis, app.redisKeys, runId, since),
      limits: { softBytes: maxBytes / 8, hardBytes: maxBytes },
      pingMs: app.config.KILN_WS_PING_MS,
    });
    app.addHook('onReady', () => hub.start());
    app.addHook('preClose', () => hub.stop());
  },
  { name: 'telemetry', dependencies: ['redis', 'repositories', 'websocket'] },
);
