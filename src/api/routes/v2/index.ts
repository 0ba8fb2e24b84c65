import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { KilnError } from '../../../domain/errors.ts';
import { parseVersion, toServedRecord, type ServedModelRecord } from '../../../serving/index.ts';
import { parseEveryBodyAsJson } from '../../../serving/json-body.ts';
import { readTensorsFast } from '../tensor-body.ts';
import {
  formatInferResponse,
  modelMetadata,
  parseInferRequest,
  splitBinaryBody,
} from '../../../serving/open-inference/index.ts';
import { errorsAsString } from '../error-string.ts';

const BINARY_HEADER = 'inference-header-content-length';
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 300 }) });
const VersionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  version: Type.String({ maxLength: 300 }),
});
const tags = ['open-inference'];

/**
 * KServe's Open Inference Protocol (v2) over REST, with the binary tensor data extension: health,
 * server and model metadata, model readiness and infer. `{name}` is any Kiln model reference (an id,
 * a name for its latest version, `name@3`, `name@production`); `/versions/{v}` names a version.
 * Inputs go through the same checks and preprocessing as every other predict route (one input space:
 * rows as the model's dataset holds them). Errors are the protocol's `{"error": "..."}`.
 */
const openInferenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  errorsAsString(app);
  parseEveryBodyAsJson(app);
  readTensorsFast(app);
  // With the binary extension the body is JSON followed by raw bytes: read it whole and split it here.
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && request.headers[BINARY_HEADER] !== undefined)
      request.headers = { 'content-type': 'application/octet-stream' };
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  const byRef = (ref: string) => app.serving.loadedRecord(ref) ?? app.models.resolve(ref);
  const byVersion = async (name: string, version: string): Promise<ServedModelRecord> => {
    const parsed = parseVersion(version);
    if (parsed === undefined)
      throw new KilnError('invalid_input', `version ${JSON.stringify(version)} is not a number`, {
        issues: [{ path: 'version', message: 'is not a number' }],
      });
    const row = await app.models.findVersion(name, { version: parsed });
    if (!row) throw new KilnError('not_found', `model ${name} has no version ${version}`, { status: 404 });
    return toServedRecord(row);
  };

  // Probes, like /healthz and /readyz: open even when the api wants a token.
  const probe = { config: { public: true } };
  app.get('/health/live', { ...probe, schema: { summary: 'The server is alive', tags } }, async () => ({ live: true }));
  app.get(
    '/health/ready',
    { ...probe, schema: { summary: 'The server can serve: its model registry answers', tags } },
    async (_request, reply) => {
      const ready = await app.db.raw.query('SELECT 1 AS ok').then(
        () => true,
        () => false,
      );
      return reply.code(ready ? 200 : 503).send({ ready });
    },
  );
  app.get('/', { schema: { summary: 'Server metadata', tags } }, async () => ({
    name: 'kiln',
    version: '0.1.0',
    extensions: ['binary_tensor_data'],
  }));

  const metadata = async (record: ServedModelRecord) =>
    modelMetadata(
      record,
      (await app.models.versions(record.name)).map((v) => v.version),
    );

  /** 200 once the model is in memory and warmed up; until then a 503, and the load starts. */
  const ready = async (record: ServedModelRecord, reply: FastifyReply) => {
    if (app.serving.state(record.id) === 'ready') return reply.code(200).send({ name: record.name, ready: true });
    if (!app.serving.state(record.id))
      app.serving
        .warm(record)
        .catch((error: unknown) => app.log.warn({ err: error, modelId: record.id }, 'model failed to load'));
    return reply.code(503).send({ error: `model ${record.name} version ${record.version} is loading` });
  };

  const infer = async (
    record: ServedModelRecord,
    body: unknown,
    headerLength: string | undefined,
    reply: FastifyReply,
  ) => {
    const { header, binary } =
      headerLength !== undefined && Buffer.isBuffer(body)
        ? splitBinaryBody(body, headerLength)
        : { header: body, binary: Buffer.alloc(0) };
    const request = parseInferRequest(header, binary, record.signature);
    const result = await app.serving.predict(record, request.body);
    const response = formatInferResponse(record, result.count, result.outputs, request.options);
    if (!response.binary) return reply.type('application/json').send(response.json);
    const json = Buffer.from(response.json);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('Inference-Header-Content-Length', String(json.length))
      .send(Buffer.concat([json, response.binary]));
  };

  app.get(
    '/models/:name',
    { schema: { summary: 'Model metadata: versions, input and output tensors', tags, params: NameParams } },
    async (request) => metadata(await byRef(request.params.name)),
  );
  app.get(
    '/models/:name/versions/:version',
    { schema: { summary: 'Model metadata (one version)', tags, params: VersionParams } },
    async (request) => metadata(await byVersion(request.params.name, request.params.version)),
  );
  app.get(
    '/models/:name/ready',
    { schema: { summary: 'Whether the model is loaded and can answer at once', tags, params: NameParams } },
    async (request, reply) => ready(await byRef(request.params.name), reply),
  );
  app.get(
    '/models/:name/versions/:version/ready',
    { schema: { summary: 'Whether one version is loaded', tags, params: VersionParams } },
    async (request, reply) => ready(await byVersion(request.params.name, request.params.version), reply),
  );
  app.post(
    '/models/:name/infer',
    { schema: { summary: 'Infer (JSON tensors, or the binary tensor data extension)', tags, params: NameParams } },
    async (request, reply) =>
      infer(await byRef(request.params.name), request.body, headerOf(request.headers[BINARY_HEADER]), reply),
  );
  app.post(
    '/models/:name/versions/:version/infer',
    { schema: { summary: 'Infer with one version', tags, params: VersionParams } },
    async (request, reply) =>
      infer(
        await byVersion(request.params.name, request.params.version),
        request.body,
        headerOf(request.headers[BINARY_HEADER]),
        reply,
      ),
  );
};

const headerOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** /v2: the Open Inference Protocol. */
const v2Routes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(openInferenceRoutes, { prefix: '/v2' });
};

export default v2Routes;
