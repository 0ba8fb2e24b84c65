import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { ApiError, type FieldError } from '../../errors.ts';

/** Ajv's `/fit/epochs` + context `body` → `fit.epochs`; for query and params, the context is kept. */
function fieldPath(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const segments = instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Ajv reports a missing or unexpected property on the parent object; name the property itself.
  const property = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (property) segments.push(property);
  const path = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  if (context === 'body') return path || 'body';
  return path ? `${context}.${path}` : (context ?? 'request');
}

function describe(error: { message?: string; keyword: string; params: Record<string, unknown> }): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'anyOf' || error.keyword === 'union') return 'does not match any allowed form';
  if (error.keyword === 'const' && error.params.allowedValue !== undefined) return `must be ${JSON.stringify(error.params.allowedValue)}`;
  return error.message ?? 'is invalid';
}

/** The one error handler at the edge: every error becomes `{"error": {code, message, details}}`; 5xx details stay in the log. */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
      if (error instanceof ApiError) {
        return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message, details: error.details } });
      }
      if (error.validation) {
        const details: FieldError[] = error.validation.map((v) => ({
          path: fieldPath(error.validationContext, v.instancePath, v.params as Record<string, unknown>),
          message: describe(v as never),
        }));
        return reply.code(400).send({ error: { code: 'invalid_request', message: ApiError.badRequest(details).message, details } });
      }
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return reply.code(status).send({ error: { code: 'internal', message: 'internal server error' } });
      }
      return reply.code(status).send({ error: { code: error.code?.toLowerCase() ?? 'bad_request', message: error.message } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
    );
  },
  { name: 'error-handler' },
);
