import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { KilnError } from '../../../domain/errors.ts';
import {
  formatTfServingResponse,
  metadataBody,
  parseTfServingRequest,
  parseVersion as parseVersionText,
  toServedRecord,
  versionStatusBody,
  type ServedModelRecord,
} from '../../../serving/index.ts';
import { parseEveryBodyAsJson } from '../../../serving/json-body.ts';
import { readTensorsFast } from '../tensor-body.ts';
import { errorsAsString } from '../error-string.ts';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const TargetParams = Type.Object({ target: Type.String({ minLength: 1, maxLength: 300 }) });
const VersionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  version: Type.String({ maxLength: 300 }),
});
const LabelParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  label: Type.String({ maxLength: 300 }),
});

type Which = { version?: number; alias?: string };

/**
 * TensorFlow Serving's REST API, shape for shape, so existing clients work unchanged:
 * POST /v1/models/:name[/versions/:v|/labels/:l]:predict, GET /v1/models/:name[...] (version status)
 * and GET .../metadata (the signature). Labels are Kiln's aliases. Errors are TF Serving's
 * `{"error": "..."}`, not Kiln's error object. Registered under /v1 in its own
 * context, so its error and not-found handlers apply there only.
 */
const tfServingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // TF Serving ignores the content-type: README's own `curl -d` sends form-urlencoded. This scope only.
  parseEveryBodyAsJson(app);
  readTensorsFast(app);
  errorsAsString(app);

  /** The version asked for, or TF Serving's not-found messages. */
  const resolve = async (name: string, which: Which): Promise<ServedModelRecord> => {
    const row = await app.models.findVersion(name, which);
    if (row) return toServedRecord(row);
    if (which.alias !== undefined)
      throw new KilnError('not_found', `Unrecognized servable version label: ${which.alias}`, { status: 404 });
    throw new KilnError(
      'not_found',
      `Servable not found for request: ${which.version === undefined ? `Latest(${name})` : `Specific(${name}, ${which.version})`}`,
      { status: 404 },
    );
  };

  /**
   * As TF Serving: digits that fit an int64 are a version (one beyond Kiln's int32 versions is then
   * simply not found, a 404), anything else a 400 with TF Serving's message.
   */
  const parseVersion = (version: string): number => {
    const parsed = parseVersionText(version);
    if (parsed === undefined) {
      const message = `Failed to convert version: ${version} to numeric.`;
      throw new KilnError('invalid_input', message, { issues: [{ path: 'version', message }] });
    }
    return parsed;
  };

  /** Splits `name:predict` (or `3:predict`) into the part before the verb and checks the verb. */
  const splitVerb = (target: string, method: string, url: string): string => {
    const colon = target.lastIndexOf(':');
    if (colon <= 0 || target.slice(colon + 1) !== 'predict') {
      throw new KilnError(
        'invalid_input',
        `Malformed request: ${method} ${url.split('?')[0]} (Kiln serves :predict only)`,
        { status: 400 },
      );
    }
    return target.slice(0, colon);
  };

  const predict = async (name: string, which: Which, body: unknown, reply: FastifyReply) => {
    const request = parseTfServingRequest(body);
    const record = await resolve(name, which);
    const result = await app.serving.predict(record, request.body);
    // Already JSON text: sent as it is.
    return reply.type('application/json').send(formatTfServingResponse(result.outputs, result.count, request.format));
  };

  app.post(
    '/models/:target',
    { schema: { summary: 'TF Serving predict (latest version)', tags: ['tf-serving'], params: TargetParams } },
    async (request, reply) =>
      predict(splitVerb(request.params.target, request.method, request.url), {}, request.body, reply),
  );
  app.post(
    '/models/:name/versions/:version',
    { schema: { summary: 'TF Serving predict (one version)', tags: ['tf-serving'], params: VersionParams } },
    async (request, reply) =>
      predict(
        request.params.name,
        { version: parseVersion(splitVerb(request.params.version, request.method, request.url)) },
        request.body,
        reply,
      ),
  );
  app.post(
    '/models/:name/labels/:label',
    {
      schema: {
        summary: 'TF Serving predict (the version a label, i.e. a Kiln alias, points at)',
        tags: ['tf-serving'],
        params: LabelParams,
      },
    },
    async (request, reply) =>
      predict(
        request.params.name,
        { alias: splitVerb(request.params.label, request.method, request.url) },
        request.body,
        reply,
      ),
  );

  /**
   * Version status. A version counts as AVAILABLE once loaded and warmed up; asking for the status
   * starts loading the version asked for (the latest for a bare name), which reports LOADING until
   * then. Other versions, servable on demand but not in memory, report START.
   */
  const status = async (name: string, which: Which | undefined) => {
    const rows = which ? [await resolve(name, which)] : (await app.models.versions(name)).map(toServedRecord);
    if (rows.length === 0) await resolve(name, {});
    const target = rows[0]!;
    if (!app.serving.state(target.id)) {
      app.serving
        .warm(target)
        .catch((error: unknown) => app.log.warn({ err: error, modelId: target.id }, 'model failed to load'));
    }
    return versionStatusBody(
      rows.map((r) => {
        const state = app.serving.state(r.id);
        return {
          version: r.version,
          state: state === 'ready' ? 'AVAILABLE' : state === 'loading' ? 'LOADING' : 'START',
        };
      }),
    );
  };

  const metadata = async (name: string, which: Which) => {
    const record = await resolve(name, which);
    return metadataBody(record.name, record.version, record.signature);
  };

  const tags = ['tf-serving'];
  app.get(
    '/models/:name',
    { schema: { summary: 'TF Serving model status (every version)', tags, params: NameParams } },
    async (request) => status(request.params.name, undefined),
  );
  app.get(
    '/models/:name/versions/:version',
    { schema: { summary: 'TF Serving model status (one version)', tags, params: VersionParams } },
    async (request) => status(request.params.name, { version: parseVersion(request.params.version) }),
  );
  app.get(
    '/models/:name/labels/:label',
    { schema: { summary: 'TF Serving model status (a label)', tags, params: LabelParams } },
    async (request) => status(request.params.name, { alias: request.params.label }),
  );
  app.get(
    '/models/:name/metadata',
    { schema: { summary: 'TF Serving model metadata (signature)', tags, params: NameParams } },
    async (request) => metadata(request.params.name, {}),
  );
  app.get(
    '/models/:name/versions/:version/metadata',
    { schema: { summary: 'TF Serving model metadata (one version)', tags, params: VersionParams } },
    async (request) => metadata(request.params.name, { version: parseVersion(request.params.version) }),
  );
  app.get(
    '/models/:name/labels/:label/metadata',
    { schema: { summary: 'TF Serving model metadata (a label)', tags, params: LabelParams } },
    async (request) => metadata(request.params.name, { alias: request.params.label }),
  );
};

/** /v1: TensorFlow Serving's REST API. */
const v1Routes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(tfServingRoutes, { prefix: '/v1' });
};

export default v1Routes;
