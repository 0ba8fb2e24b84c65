import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { KilnError } from '../../../domain/errors.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The origins the api's own pages have: the Host the request came to, over http or https. */
function ownOrigins(request: FastifyRequest): string[] {
  const host = request.headers.host;
  return host ? [`http://${host}`, `https://${host}`] : [];
}

/**
 * Browsers send `Origin` on WebSocket upgrades and on cross-site POST/PUT/PATCH/DELETE; a page of any
 * other site a user visits must not follow their runs over /events or change things in their Kiln
 * (in open mode there is no token to stop it). Such requests are answered only when `Origin` is the
 * api's own or listed in KILN_ALLOWED_ORIGINS; requests without `Origin` (curl, the CLI, servers) pass.
 * Checked in onRequest, before any body is read or socket opened.
 */
export default fp(
  async (app) => {
    const allowed = new Set(
      (app.config.KILN_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim().replace(/\/$/, '').toLowerCase())
        .filter(Boolean),
    );
    app.addHook('onRequest', async (request) => {
      const origin = request.headers.origin;
      if (origin === undefined) return;
      const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if (!upgrade && !STATE_CHANGING.has(request.method)) return;
      const given = origin.replace(/\/$/, '').toLowerCase();
      if (allowed.has(given) || ownOrigins(request).includes(given)) return;
      throw new KilnError(
        'origin_refused',
        `requests from the page of ${origin} are refused: only the api's own pages and KILN_ALLOWED_ORIGINS may ${upgrade ? 'open WebSockets' : 'change things'}`,
        { status: 403, issues: [{ path: 'headers.origin', message: 'is not an allowed origin' }] },
      );
    });
  },
  { name: 'origin-guard', dependencies: ['config', 'error-handler'] },
);
