import { KilnError } from '../../../domain/errors.ts';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:web` writes the dashboard (web/dist). */
const DEFAULT_ROOT = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));

export interface DashboardOptions {
  /** The built dashboard's folder; defaults to web/dist. */
  root?: string;
}

// The page talks to nothing but this origin; the browser enforces it too.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Every file under `dir`, as URL paths relative to it ("assets/index-3f2a.js"). */
function filesUnder(dir: string): Set<string> {
  const paths = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) =>
    statSync(join(dir, path)).isFile(),
  );
  return new Set(paths.map((path) => path.split(sep).join('/')));
}

const firstSegment = (url: string) => url.split('?')[0]!.split('/')[1] ?? '';

/**
 * The web dashboard: web/dist served at `/`, with index.html for any other GET a browser makes for a
 * page (the app routes by the URL's hash, but a bookmarked path should still open it). Paths under a
 * segment an API route uses (/runs, /models, /docs, …) are never answered here, so no API route is
 * shadowed. The assets are public: the page itself asks for the API token when the api wants one.
 */
export default fp<DashboardOptions>(
  async (app, opts) => {
    const root = opts.root ?? DEFAULT_ROOT;
    const built = existsSync(join(root, 'index.html'));
    const files = built ? filesUnder(root) : new Set<string>();
    if (built) await app.register(fastifyStatic, { root, serve: false });
    else app.log.warn({ root }, 'the dashboard is not built: run npm run build:web');

    // Registered before the API routes (see app.ts), so it sees every one of them.
    const apiSegments = new Set<string>();
    app.addHook('onRoute', (route) => {
      if (route.url !== '/' && route.url !== '/*') apiSegments.add(firstSegment(route.url));
    });

    const sendIndex = (reply: FastifyReply) => {
      if (!built)
        throw new KilnError(
          'dashboard_not_built',
          'the dashboard is not built: run npm run build:web, then restart the api',
          { status: 503 },
        );
      return reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .sendFile('index.html');
    };
    const wantsPage = (request: FastifyRequest) => String(request.headers.accept ?? '').includes('text/html');

    const options = { config: { public: true }, schema: { hide: true } };
    app.get('/', options, async (_request, reply) => sendIndex(reply));
    app.get('/*', options, async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      if (apiSegments.has(firstSegment(`/${path}`))) return reply.callNotFound();
      if (files.has(path) && path !== 'index.html') {
        // Vite puts a content hash in every asset's name: it never changes under that name.
        const immutable = path.startsWith('assets/');
        return reply.sendFile(path, { maxAge: immutable ? '365d' : 0, immutable });
      }
      if (wantsPage(request)) return sendIndex(reply);
      return reply.callNotFound();
    });
  },
  { name: 'dashboard', dependencies: ['error-handler'] },
);
