import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { KilnError } from '../../../domain/errors.ts';

// Probes and scrapers carry no token: liveness, readiness (container HEALTHCHECKs) and Prometheus.
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a token: the dashboard's page and assets (the page then asks for the token). */
    public?: boolean;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** Constant time, its length included: both sides are compared as digests of one size. */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * With KILN_API_TOKEN set, every route but /healthz, /readyz, /v2/health/*, /metrics and the dashboard's static files (routes whose
 * config says `public`) needs `Authorization: Bearer <token>`.
 * WebSocket upgrades may pass `?token=` instead, since browsers cannot set headers on them.
 * Checked in onRequest, so a refused WebSocket is never opened.
 */
export default fp(
  async (app) => {
    const expected = app.config.KILN_API_TOKEN;
    if (!expected) return;
    app.addHook('onRequest', async (request) => {
      const path = request.url.split('?')[0]!;
      if (OPEN_ROUTES.has(path) || request.routeOptions.config.public) return;
      const header = request.headers.authorization;
      const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      const queryToken =
        request.headers.upgrade?.toLowerCase() === 'websocket'
          ? (request.query as Record<string, string> | undefined)?.token
          : undefined;
      const given = bearer ?? queryToken;
      if (!given || !sameToken(given, expected)) {
        throw new KilnError(
          'unauthorized',
          given ? 'invalid API token' : 'missing API token: send Authorization: Bearer <token>',
          { status: 401 },
        );
      }
    });
  },
  { name: 'auth', dependencies: ['config', 'error-handler'] },
);
