import type { FastifyPluginAsync } from 'fastify';

/** GET /metrics: Prometheus' text format. Open like /healthz (counts and latencies, no user data). */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Operator metrics (Prometheus text format)', tags: ['health'] } },
    async (_request, reply) => {
      const body = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
};

export default metricsRoutes;
