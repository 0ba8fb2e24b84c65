import type { FastifyError, FastifyInstance } from 'fastify';
import { KilnError } from '../../domain/errors.ts';

/**
 * Errors as `{"error": "..."}`, the shape TensorFlow Serving and the Open Inference Protocol share, for
 * the routes of the calling scope only (Kiln's own routes answer with the envelope of
 * plugins/infra/error-handler.ts). Their clients read nothing but the message; 5xx details stay in the log.
 */
export function errorsAsString(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | KilnError, request, reply) => {
    const status = error instanceof KilnError ? error.status : error.validation ? 400 : (error.statusCode ?? 500);
    // A refusal that passes (a full queue) is no failure: its message says why and names the setting.
    if (error instanceof KilnError && error.retryAfterSeconds !== undefined)
      return reply.code(status).header('retry-after', String(error.retryAfterSeconds)).send({ error: error.message });
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'internal server error' });
    }
    return reply.code(status).send({ error: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `Malformed request: ${request.method} ${request.url.split('?')[0]}` }),
  );
}
