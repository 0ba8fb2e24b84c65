import { KilnError } from '../../../domain/errors.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isFinalEvent } from '../../../domain/run-event.ts';
import { RunFeed } from '../../telemetry/run-feed.ts';
import { SocketSender } from '../../telemetry/socket-sender.ts';
import { keepAlive } from '../../telemetry/heartbeat.ts';
import { errorResponses, IdParams } from '../../schemas/common.ts';

const EventsQuery = Type.Object({
  since: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Deliver events with a seq above this (the last one you saw).',
  }),
  token: Type.Optional(
    Type.String({ description: 'The API token, for browsers that cannot set headers on a WebSocket.' }),
  ),
});

/**
 * GET /runs/:id/events — a WebSocket (or, with Accept: text/event-stream, Server-Sent Events) of the
 * run's events: the stored ones after `since`, then live ones, in seq order. Closes with 1000 after
 * the run's final status.
 */
const runEventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    method: 'GET',
    url: '/runs/:id/events',
    schema: {
      summary: "A run's events: WebSocket, or Server-Sent Events with Accept: text/event-stream",
      tags: ['runs'],
      params: IdParams,
      querystring: EventsQuery,
      response: { ...errorResponses(401, 404, 406) },
    },
    // Runs before the upgrade: an unknown run is a plain 404 and no socket opens.
    preHandler: async (request) => {
      const { id } = request.params as { id: string };
      if (!(await app.repos.runs.find(id))) throw KilnError.notFound('run', id);
    },
    wsHandler: (socket, request) => {
      const { id } = request.params as { id: string };
      const { since } = request.query as { since: number };
      keepAlive(socket, app.telemetry.pingMs);
      // The sender names the position to resume from when it must close a slow socket: the feed's, once it runs.
      const sender = new SocketSender(socket, app.telemetry.limits, () => `since=${feed.position}`);
      const feed: RunFeed = new RunFeed(app.telemetry.hub, app.telemetry.replay, id, since, (event) => {
        sender.send(event);
        if (isFinalEvent(event)) sender.close(1000, 'run finished');
      });
      socket.once('close', () => feed.stop());
      feed
        .start()
        .then(async () => {
          // Resumed at or after the final event of a run that has ended: nothing more will come.
          if (!feed.ended && (await app.runs.hasEnded(id))) sender.close(1000, 'run finished');
        })
        .catch((error: unknown) => {
          request.log.error({ err: error, runId: id }, 'event replay failed');
          sender.close(1011, 'replay failed; reconnect with since');
        });
    },
    handler: async (request, reply) => {
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new KilnError(
          'not_acceptable',
          'GET /runs/:id/events is a WebSocket, or Server-Sent Events with Accept: text/event-stream',
          { status: 406 },
        );
      }
      const { id } = request.params as { id: string };
      const lastEventId = Number(request.headers['last-event-id']);
      const since =
        Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (request.query as { since: number }).since;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const limits = app.telemetry.limits;
      const feed = new RunFeed(app.telemetry.hub, app.telemetry.replay, id, since, (event) => {
        if (event.type === 'batch' && res.writableLength > limits.softBytes) return;
        if (res.writableLength > limits.hardBytes) return void res.destroy();
        res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        if (isFinalEvent(event)) res.end();
      });
      const ping = setInterval(() => res.write(': ping\n\n'), app.telemetry.pingMs).unref();
      res.once('close', () => {
        clearInterval(ping);
        feed.stop();
      });
      try {
        await feed.start();
        // Resumed at or after the final event of a run that has ended: end the response, or the
        // browser's EventSource would hold this connection open for ever.
        if (!feed.ended && (await app.runs.hasEnded(id))) res.end();
      } catch (error) {
        request.log.error({ err: error, runId: id }, 'event replay failed');
        res.destroy();
      }
    },
  });
};

export default runEventsRoutes;
