import { Type, type Static } from '@sinclair/typebox';
import { KilnError } from '../domain/errors.ts';
import { Value } from '@sinclair/typebox/value';

/**
 * Every setting Kiln reads from the environment, with its default. This is the only module that reads
 * process.env; everything else receives a Config.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Where the api listens; unset: 127.0.0.1 in open mode (no KILN_API_TOKEN), every interface with a token. */
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  /** Origins (scheme://host[:port]) besides the api's own whose pages may open WebSockets and send state-changing requests. */
  KILN_ALLOWED_ORIGINS: Type.Optional(Type.String()),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  KILN_DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  KILN_WORKERS: Type.Integer({ minimum: 0, maximum: 64, default: 1 }),
  TFJS_BACKEND: Type.Union(
    [Type.Literal('auto'), Type.Literal('tensorflow'), Type.Literal('wasm'), Type.Literal('cpu')],
    {
      default: 'auto',
    },
  ),
  KILN_API_TOKEN: Type.Optional(Type.String({ minLength: 8 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Prefix of every Redis key Kiln uses: lets several installations (or test runs) share one Redis. */
  KILN_QUEUE_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', default: 'kiln' }),
  KILN_MAX_INLINE_MB: Type.Number({ exclusiveMinimum: 0, default: 16 }),
  KILN_MAX_PARAMS: Type.Integer({ minimum: 1, default: 50_000_000 }),
  /** How often a run is tried in all (first try included) before it ends failed. */
  KILN_JOB_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  /** How long a worker's claim on a job lasts without renewal; a dead worker's job is retried after about this. */
  KILN_LOCK_DURATION_MS: Type.Integer({ minimum: 1000, default: 30_000 }),
  /** A directory or base URL that replaces the origin of built-in datasets (machines without internet). */
  KILN_DATASET_MIRROR: Type.Optional(Type.String({ minLength: 1 })),
  /** Largest upload (413 beyond) and largest URL download. */
  KILN_MAX_UPLOAD_MB: Type.Number({ exclusiveMinimum: 0, default: 1024 }),
  /** Most bytes a dataset may expand to (ZIP entries, gzip). */
  KILN_MAX_DATASET_MB: Type.Number({ exclusiveMinimum: 0, default: 4096 }),
  /** Most entries a dataset ZIP may hold. */
  KILN_MAX_DATASET_FILES: Type.Integer({ minimum: 1, default: 200_000 }),
  /** Most columns (fields per row) a dataset CSV may have; a row with more fails its ingestion naming this setting. */
  KILN_MAX_CSV_COLUMNS: Type.Integer({ minimum: 2, default: 100_000 }),
  /** Allow dataset URLs that resolve to loopback or private addresses (off: they are refused). */
  KILN_ALLOW_PRIVATE_URLS: Type.Boolean({ default: false }),
  /** How long the api remembers an Idempotency-Key of POST /runs and POST /datasets, and the answer it gave. */
  KILN_IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 1, default: 86_400 }),
  /** WebSocket ping interval; a peer that misses two pings is dropped. */
  KILN_WS_PING_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  /** Unsent bytes a slow watcher may accumulate before its socket is closed (1013); batch events are dropped from 1/8 of it. */
  KILN_WS_MAX_BUFFER_MB: Type.Number({ exclusiveMinimum: 0, default: 8 }),
  /** How long shutdown waits for the running batch to end and its checkpoint to be written. */
  KILN_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  /** How often the api compares active runs with their jobs (settling runs whose job ended or vanished without a stored final event). */
  KILN_RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  /** Bytes of weights the api keeps loaded for serving; the least recently used models are unloaded beyond it. */
  KILN_MODEL_CACHE_MB: Type.Number({ exclusiveMinimum: 0, default: 512 }),
  /** Most instances one micro-batched predict call runs together; 1 turns micro-batching off. */
  KILN_BATCH_MAX_SIZE: Type.Integer({ minimum: 1, maximum: 4096, default: 32 }),
  /** How long a predict request waits for others to share its batch. */
  KILN_BATCH_TIMEOUT_MS: Type.Number({ minimum: 0, maximum: 1000, default: 2 }),
  /**
   * Most instances that may wait in one model's micro-batch queue (the running batch not counted); a
   * predict that would go beyond is answered 503 with Retry-After at once instead of waiting longer and
   * longer. A request always gets in when the queue is empty, whatever its size.
   */
  KILN_SERVING_MAX_QUEUE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 256 }),
  /**
   * Threads that run predict batches, each with its own TensorFlow.js backend and copy of the models it
   * serves, so the event loop only parses, routes and answers; 0 runs batches on the event loop.
   */
  KILN_SERVING_THREADS: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
  /** Most instances one predict request may carry (413 beyond). */
  KILN_PREDICT_MAX_INSTANCES: Type.Integer({ minimum: 1, default: 1024 }),
  /** Where checkpoints, models and datasets live: `fs` (a directory under KILN_DATA_DIR) or `s3` (a bucket shared by every machine). */
  KILN_ARTIFACT_STORE: Type.Union([Type.Literal('fs'), Type.Literal('s3')], { default: 'fs' }),
  KILN_S3_BUCKET: Type.Optional(Type.String({ minLength: 3 })),
  KILN_S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  /** For S3-compatible servers (MinIO, Ceph, R2, ...); unset for AWS. */
  KILN_S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Bucket in the path rather than the host name (MinIO and most self-hosted servers want this). */
  KILN_S3_FORCE_PATH_STYLE: Type.Boolean({ default: false }),
  /** Unset both to use the AWS SDK's default credential chain (AWS_* variables, profile, instance role). */
  KILN_S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  KILN_S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** Key prefix inside the bucket, so several installations can share one. */
  KILN_S3_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_./-]+$' })),
  /** Worker: refuse to take jobs unless TensorFlow runs on a GPU (set on GPU machines, so a broken CUDA install is loud). */
  KILN_REQUIRE_GPU: Type.Boolean({ default: false }),
  /** Worker: training jobs one worker process runs at once (each in its own child process); 1 per GPU. */
  KILN_WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  /**
   * Worker: threads one training job uses on the wasm and cpu backends (data-parallel replicas, gradients
   * averaged every step); the native backend spreads over the cores itself. Set it to the cores per job.
   */
  KILN_TRAINING_THREADS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  /**
   * Worker: megabytes of a run's dataset arrays one training process holds in memory; arrays past it
   * are copied to local files under KILN_DATA_DIR/tmp and read by position, so a dataset larger than
   * memory trains with bounded RSS.
   */
  KILN_TRAINING_DATA_MEMORY_MB: Type.Number({ minimum: 0, default: 256 }),
  /**
   * Run a spec's `trainStep` module (a user-written train_step). It is code execution on the workers:
   * the module runs in the training process with the worker's access. Off: such a run is a 400. Set it
   * on the api and the workers alike.
   */
  KILN_ALLOW_USER_CODE: Type.Boolean({ default: false }),
  /** Worker: how long one call of a user's train_step or test_step may take before its run fails. */
  KILN_STEP_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, default: 300 }),
  /** Worker: how long one ingestion may take before it is stopped and its dataset fails (it is not retried). */
  KILN_INGEST_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Worker: port of its Prometheus /metrics endpoint; 0 turns it off. (The api serves /metrics on PORT.) */
  KILN_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
});

export type Config = Static<typeof ConfigSchema>;

/** The environment holds an invalid setting; the message names the variable. */
const configError = (message: string) => new KilnError('invalid_config', message);

/** Reads and validates the settings once, at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw));
  const firstError = Value.Errors(ConfigSchema, converted).First();
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '') || 'environment';
    const given = raw[variable];
    const allowed = (firstError.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((s) => s.const);
    const reason = allowed?.every((v) => v !== undefined)
      ? `expected one of ${allowed.join(', ')}`
      : firstError.message;
    throw configError(
      `Invalid environment variable ${variable}${given === undefined ? '' : `=${JSON.stringify(given)}`}: ${reason}`,
    );
  }
  const config = converted as Config;
  if (config.KILN_ARTIFACT_STORE === 's3' && !config.KILN_S3_BUCKET) {
    throw configError('Invalid environment variable KILN_S3_BUCKET: required when KILN_ARTIFACT_STORE=s3');
  }
  if (!config.KILN_S3_ACCESS_KEY_ID !== !config.KILN_S3_SECRET_ACCESS_KEY) {
    throw configError(
      'Invalid environment variables KILN_S3_ACCESS_KEY_ID / KILN_S3_SECRET_ACCESS_KEY: set both or neither',
    );
  }
  return config;
}

/**
 * Where the api listens, and what to tell the operator about it. Without a token anyone who reaches
 * the port can train, read every run and delete things, so open mode stays on the loopback interface
 * unless HOST says otherwise (and then it says so loudly).
 */
export function listenAddress(config: Config): { host: string; warning?: string; note?: string } {
  const loopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';
  if (config.HOST === undefined) {
    if (config.KILN_API_TOKEN) return { host: '0.0.0.0' };
    return {
      host: '127.0.0.1',
      note: 'no KILN_API_TOKEN is set: listening on 127.0.0.1 only (set KILN_API_TOKEN, or HOST=0.0.0.0 to open it to every interface)',
    };
  }
  if (!config.KILN_API_TOKEN && !loopback(config.HOST)) {
    return {
      host: config.HOST,
      warning: `no KILN_API_TOKEN is set and HOST=${config.HOST}: anyone who reaches this port can submit runs, read every run and delete data`,
    };
  }
  return { host: config.HOST };
}
