import { issuesMessage, KilnError, type Issue } from '../../../domain/errors.ts';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Ajv's `/fit/epochs` + context `body` → `fit.epochs`; for query and params, the context is kept. */
function fieldPath(context: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const segments = instancePath
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Ajv reports a missing or unexpected property on the parent object; name the property itself.
  const property = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (property) segments.push(property);
  const path = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  if (context === 'body') return path || 'body';
  return path ? `${context}.${path}` : (context ?? 'request');
}

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const isUnion = (e: AjvError) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
const depthOf = (instancePath: string) => (instancePath ? instancePath.split('/').length - 1 : 0);
const orList = (items: string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '');

/**
 * With allErrors, Ajv reports a failed union (anyOf/oneOf) as the errors of every branch followed by
 * the union's own error, so "compile.optimizer.learningRate: must be > 0" drowned among "must be
 * string" and "must be \"sgd\"" from the branches the value was never meant for. For each failed
 * union (outermost first, so nested ones are judged inside the branch that was kept), the branch
 * the value matches best is kept and the others' errors are dropped:
 *  1. A branch that failed only on the value's JSON type (`type`, plus the `const`s that come with
 *     it) is out, unless every branch did; then one error lists the types ("must be string or object").
 *  2. Of the rest, the branch whose errors go deepest into the value wins (it recognised the value's
 *     shape: `dataset.limit: must be >= 1` beats `dataset.inline: is required`), then the one with
 *     fewer errors (a single unknown key beats a missing discriminating key plus unknown ones).
 *  3. Branches still tied are all kept. If each is a literal ("sgd", "adam", …), one error lists
 *     the allowed values; otherwise the union's own "does not match any allowed form" heads them.
 * A kept single branch makes the union's own error redundant, so it goes.
 */
function pickUnionBranches(input: AjvError[]): AjvError[] {
  let errors = input.slice();
  const unions = errors.filter(isUnion).sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (!errors.includes(union)) continue; // inside a branch already dropped
    const at = union.instancePath;
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, AjvError[]>();
    for (const e of errors) {
      if (!e.schemaPath.startsWith(prefix) || !(e.instancePath === at || e.instancePath.startsWith(`${at}/`))) continue;
      const k = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(k, [...(branches.get(k) ?? []), e]);
    }
    if (branches.size === 0) continue; // e.g. oneOf failing because two branches passed
    const wrongType = (branch: AjvError[]) =>
      branch.some((e) => e.keyword === 'type' && e.instancePath === at) &&
      branch.every((e) => isUnion(e) || (e.instancePath === at && ['type', 'const', 'enum'].includes(e.keyword)));
    const candidates = [...branches.values()];
    const typed = candidates.filter((b) => !wrongType(b));
    let replacement: AjvError | undefined;
    let kept: AjvError[][];
    if (typed.length === 0) {
      kept = candidates;
      const types = [
        ...new Set(
          candidates.flatMap((b) =>
            b.filter((e) => e.keyword === 'type' && e.instancePath === at).map((e) => String(e.params.type)),
          ),
        ),
      ];
      replacement = { ...union, keyword: 'alternatives', message: `must be ${orList(types)}` };
    } else {
      const score = (b: AjvError[]) => [Math.max(...b.map((e) => depthOf(e.instancePath))), -b.length];
      const better = (x: number[], y: number[]) => x[0]! - y[0]! || x[1]! - y[1]!;
      const best = typed.reduce((top, b) => (better(score(b), score(top)) > 0 ? b : top));
      kept = typed.filter((b) => better(score(b), score(best)) === 0);
      const literals = kept.flatMap((b) => b.filter((e) => !isUnion(e)));
      if (
        kept.length > 1 &&
        literals.every((e) => e.instancePath === at && (e.keyword === 'const' || e.keyword === 'enum'))
      ) {
        const values = literals.flatMap((e) =>
          e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[]),
        );
        replacement = {
          ...union,
          keyword: 'alternatives',
          message: `must be ${orList(values.map((v) => JSON.stringify(v)))}`,
        };
      }
    }
    const keep = new Set(kept.flat());
    const dropped = new Set(candidates.flat().filter((e) => !keep.has(e) || replacement));
    const first = errors.findIndex((e) => dropped.has(e) || keep.has(e));
    errors = errors.filter((e) => !dropped.has(e) && e !== union);
    // The union's own error (or the one replacing its branches) takes the place of its first branch error.
    const head = replacement ?? (kept.length > 1 ? union : undefined);
    if (head) errors.splice(Math.min(first, errors.length), 0, head);
  }
  return errors;
}

function describe(error: { message?: string; keyword: string; params: Record<string, unknown> }): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'union')
    return 'does not match any allowed form';
  if (error.keyword === 'const' && error.params.allowedValue !== undefined)
    return `must be ${JSON.stringify(error.params.allowedValue)}`;
  return error.message ?? 'is invalid';
}

/**
 * Fastify's router answers some URLs itself, before any route, hook or error handler: a path that is
 * not valid percent-encoding (`/runs/%ZZ`), or a path parameter longer than the router allows. They
 * get Kiln's error body like everything else.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') {
    const details = [
      { path: 'url', message: `${path} is not a valid URL path (a % must start a %XX escape of UTF-8)` },
    ];
    return reply.code(400).send({ error: { code: 'invalid_request', message: issuesMessage(details), details } });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const details = [{ path: 'url', message: 'has a path segment longer than the api accepts' }];
    return reply.code(414).send({ error: { code: 'uri_too_long', message: issuesMessage(details), details } });
  }
  request.log.error({ err: error }, 'request failed in the router');
  return reply.code(500).send({ error: { code: 'internal', message: 'internal server error' } });
}

/** The one error handler at the edge: every error becomes `{"error": {code, message, details}}`; 5xx details stay in the log. */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | KilnError, request, reply) => {
      if (error instanceof KilnError) {
        const details = error.issues.length ? error.issues : error.details;
        if (error.status >= 500 && error.retryAfterSeconds === undefined)
          request.log.error({ err: error }, 'request failed');
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.code(error.status).send({ error: { code: error.code, message: error.message, details } });
      }
      if (error.validation) {
        const details: Issue[] = pickUnionBranches(error.validation as unknown as AjvError[]).map((v) => ({
          path: fieldPath(error.validationContext, v.instancePath, v.params as Record<string, unknown>),
          message: describe(v as never),
        }));
        return reply.code(400).send({ error: { code: 'invalid_request', message: issuesMessage(details), details } });
      }
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const message = `the request body is larger than KILN_MAX_INLINE_MB (${app.config.KILN_MAX_INLINE_MB} MB): send large data as a dataset (POST /datasets, multipart) and name it by id`;
        return reply.code(413).send({ error: { code: 'payload_too_large', message } });
      }
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return reply.code(status).send({ error: { code: 'internal', message: 'internal server error' } });
      }
      return reply
        .code(status)
        .send({ error: { code: error.code?.toLowerCase() ?? 'bad_request', message: error.message } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
    );
  },
  { name: 'error-handler', dependencies: ['config'] },
);
