import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RunEvent } from '../../../domain/run-event.ts';
import { RunFeed } from '../../telemetry/run-feed.ts';
import { SocketSender } from '../../telemetry/socket-sender.ts';
import { keepAlive } from '../../telemetry/heartbeat.ts';

const RunRef = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({ runId: Type.String({ minLength: 1 }), since: Type.Optional(Type.Integer({ minimum: 0 })) }),
]);
/** What a client sends on /events. */
const ClientMessage = Type.Union([
  Type.Object({
    subscribe: Type.Union([Type.Literal('*'), Type.Array(RunRef, { maxItems: 1000 })]),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  Type.Object({ unsubscribe: Type.Union([Type.Literal('*'), Type.Array(Type.String(), { maxItems: 1000 })]) }),
]);

/**
 * GET /events — one WebSocket, many runs. `{"subscribe": ["<runId>", {"runId", "since"}]}` replays and
 * follows each run; `{"subscribe": "*"}` follows every run live (dashboards); `{"unsubscribe": [...]}`.
 */
const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/events',
    { websocket: true, schema: { summary: 'WebSocket: subscribe to the events of many runs', tags: ['runs'] } },
    (socket, request) => {
      keepAlive(socket, app.telemetry.pingMs);
      const feeds = new Map<string, RunFeed>();
      const lastSeq = new Map<string, number>();
      let everyRun: (() => void) | undefined;
      const sender = new SocketSender(socket, app.telemetry.limits, () => 'since per run');
      // A run followed both by name and through "*" must not see an event twice.
      const deliver = (event: RunEvent) => {
        if (event.seq <= (lastSeq.get(event.runId) ?? 0)) return;
        lastSeq.set(event.runId, event.seq);
        sender.send(event);
      };

      const subscribe = (runId: string, since: number) => {
        feeds.get(runId)?.stop();
        lastSeq.set(runId, since);
        const feed = new RunFeed(app.telemetry.hub, app.telemetry.replay, runId, since, deliver);
        feeds.set(runId, feed);
        feed.start().catch((error: unknown) => {
          request.log.error({ err: error, runId }, 'event replay failed');
          sender.sendControl({
            error: { code: 'replay_failed', message: `could not replay run ${runId}; subscribe again with since` },
          });
        });
      };

      // Attached synchronously: messages sent right after the handshake are not lost.
      socket.on('message', (raw) => {
        let message: unknown;
        try {
          message = JSON.parse(raw.toString());
        } catch {
          return sender.sendControl({ error: { code: 'invalid_message', message: 'messages must be JSON' } });
        }
        if (!Value.Check(ClientMessage, message)) {
          return sender.sendControl({
            error: {
              code: 'invalid_message',
              message: 'expected {"subscribe": [...] | "*", "since"?} or {"unsubscribe": [...] | "*"}',
            },
          });
        }
        if ('subscribe' in message) {
          if (message.subscribe === '*') {
            everyRun ??= app.telemetry.hub.subscribe('*', deliver);
          } else {
            for (const ref of message.subscribe) {
              const { runId, since } =
                typeof ref === 'string'
                  ? { runId: ref, since: message.since ?? 0 }
                  : { runId: ref.runId, since: ref.since ?? message.since ?? 0 };
              subscribe(runId, since);
            }
          }
          sender.sendControl({ subscribed: message.subscribe });
        } else {
          if (message.unsubscribe === '*') {
            everyRun?.();
            everyRun = undefined;
          } else {
            for (const runId of message.unsubscribe) {
              feeds.get(runId)?.stop();
              feeds.delete(runId);
            }
          }
          sender.sendControl({ unsubscribed: message.unsubscribe });
        }
      });
      socket.once('close', () => {
        for (const feed of feeds.values()) feed.stop();
        everyRun?.();
      });
    },
  );
};

export default eventsRoutes;
