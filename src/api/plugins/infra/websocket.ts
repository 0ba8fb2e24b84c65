import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';

/** WebSocket support for the event routes (messages up to 64 KiB: clients only send subscriptions). */
export default fp(
  async (app) => {
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    // A refused upgrade (401, 404) leaves a socket the HTTP server no longer tracks; a client that
    // keeps it open would hold up shutdown forever. Close it once the refusal is sent.
    app.addHook('onResponse', async (request, reply) => {
      if (request.headers.upgrade && reply.statusCode >= 400) request.raw.socket.destroy();
    });
  },
  { name: 'websocket', dependencies: ['config'] },
);
