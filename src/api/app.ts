import ajvCompiler from '@fastify/ajv-compiler';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { requestSerializers } from '../lib/logger.ts';
import { ErrorResponse } from './schemas/common.ts';
import configPlugin from './plugins/infra/config.ts';
import errorHandler, { frameworkErrors } from './plugins/infra/error-handler.ts';
import inputGuards from './plugins/infra/input-guards.ts';
import authPlugin from './plugins/infra/auth.ts';
import originGuard from './plugins/infra/origin-guard.ts';
import metricsPlugin from './plugins/infra/metrics.ts';
import metricsRoutes from './routes/metrics/index.ts';
import swaggerPlugin from './plugins/infra/swagger.ts';
import redisPlugin from './plugins/infra/redis.ts';
import databasePlugin from './plugins/infra/database.ts';
import idempotencyPlugin from './plugins/infra/idempotency.ts';
import artifactsPlugin from './plugins/infra/artifacts.ts';
import queuePlugin from './plugins/infra/queue.ts';
import runsPlugin from './plugins/app/runs.ts';
import eventIngestPlugin from './plugins/app/event-ingest.ts';
import websocketPlugin from './plugins/infra/websocket.ts';
import telemetryPlugin from './plugins/app/telemetry.ts';
import runEventsRoutes from './routes/runs/events.ts';
import runCheckpointRoutes from './routes/runs/checkpoints.ts';
import eventsRoutes from './routes/events/index.ts';
import multipartPlugin from './plugins/infra/multipart.ts';
import datasetsPlugin from './plugins/app/datasets.ts';
import datasetsRoutes from './routes/datasets/index.ts';
import healthRoutes from './routes/health/index.ts';
import runsRoutes from './routes/runs/index.ts';
import modelsRoutes from './routes/models/index.ts';
import modelAliasRoutes from './routes/models/aliases.ts';
import modelDownloadRoutes from './routes/models/download.ts';
import modelImportRoutes from './routes/models/import.ts';
import modelEvaluateRoutes from './routes/models/evaluate.ts';
import servingPlugin from './plugins/app/serving.ts';
import repositoriesPlugin from './plugins/app/repositories.ts';
import modelsPlugin from './plugins/app/models.ts';
import predictRoutes from './routes/models/predict.ts';
import tfServingRoutes from './routes/tf-serving/index.ts';
import openInferenceRoutes from './routes/v2/index.ts';
import dashboardPlugin from './plugins/app/dashboard.ts';

type ValidatorFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

// The Ajv compiler Fastify itself uses by default, so the validators behave exactly as Fastify's
// would but for coercion.
const buildAjvValidator = (ajvCompiler as unknown as () => ValidatorFactory)();

/**
 * Query strings, path params and headers are text, so their schemas coerce ("5" → 5, one value → a
 * list). A JSON body has real types, and coercing them hides the client's mistakes ("5", true → 1,
 * [5] → 5, null → false): bodies are validated by a second Ajv with the same options but no coercion.
 */
const buildValidator: ValidatorFactory = (externalSchemas, options = {}) => {
  const coercing = buildAjvValidator(externalSchemas, options);
  const strict = buildAjvValidator(externalSchemas, {
    ...options,
    customOptions: { ...options.customOptions, coerceTypes: false },
  } as typeof options);
  return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
};

/**
 * Assembles the api: infrastructure plugins (config, errors, auth, docs, Redis, database, artifacts,
 * queue), then domain plugins, then routes. Plugins close in reverse order: HTTP first, the database last.
 */
export async function buildApp(config: Config, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    // Whatever logger is passed in, request URLs are logged without an API token.
    loggerInstance: logger.child({}, { serializers: requestSerializers }) as FastifyBaseLogger,
    // Inline datasets travel in the request body.
    bodyLimit: Math.ceil(config.KILN_MAX_INLINE_MB * 1024 * 1024) + 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator } },
    // Path params are capped by their schemas (ids: 100 characters), which name the field in a 400;
    // the router's own cap (100 by default) would answer first, with a bare 414 or a 404.
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors,
    forceCloseConnections: true,
    // The embedded PostgreSQL's first start (initdb in WebAssembly) takes 3-15 s on a slow or busy machine.
    pluginTimeout: 120_000,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(ErrorResponse);

  await app.register(configPlugin, { config });
  await app.register(errorHandler);
  await app.register(inputGuards); // before any route, so every JSON body is parsed by its guarded parser
  await app.register(originGuard);
  await app.register(authPlugin);
  await app.register(metricsPlugin);
  await app.register(dashboardPlugin); // before every other route: it must know their paths to never shadow them
  await app.register(swaggerPlugin);
  await app.register(databasePlugin);
  await app.register(idempotencyPlugin);
  await app.register(redisPlugin);
  await app.register(artifactsPlugin);
  await app.register(queuePlugin);
  await app.register(websocketPlugin);
  await app.register(multipartPlugin);
  await app.register(repositoriesPlugin);
  await app.register(servingPlugin);
  await app.register(modelsPlugin);
  await app.register(datasetsPlugin);
  await app.register(runsPlugin);
  await app.register(eventIngestPlugin);
  await app.register(telemetryPlugin);

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(runsRoutes);
  await app.register(runEventsRoutes);
  await app.register(runCheckpointRoutes);
  await app.register(eventsRoutes);
  await app.register(modelsRoutes);
  await app.register(modelAliasRoutes);
  await app.register(modelDownloadRoutes);
  await app.register(modelImportRoutes);
  await app.register(modelEvaluateRoutes);
  await app.register(predictRoutes);
  await app.register(tfServingRoutes);
  await app.register(openInferenceRoutes);
  await app.register(datasetsRoutes);
  return app as unknown as FastifyInstance;
}
