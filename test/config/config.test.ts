import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenAddress, loadConfig } from '../../src/config/config.ts';
import { KilnError } from '../../src/domain/errors.ts';

test('defaults hold when the environment is empty', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(config.KILN_DATA_DIR, './data');
  assert.equal(config.KILN_WORKERS, 1);
  assert.equal(config.TFJS_BACKEND, 'auto');
  assert.equal(config.DATABASE_URL, undefined);
  assert.equal(config.KILN_SERVING_MAX_QUEUE, 256);
  assert.equal(config.KILN_SERVING_THREADS, 0);
});

test('values are converted from strings', () => {
  const config = loadConfig({
    PORT: '9000',
    KILN_WORKERS: '3',
    TFJS_BACKEND: 'cpu',
    DATABASE_URL: 'postgresql://u@h/db',
  });
  assert.equal(config.PORT, 9000);
  assert.equal(config.KILN_WORKERS, 3);
  assert.equal(config.TFJS_BACKEND, 'cpu');
});

test('an invalid value fails with a message naming the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT="eighty"/],
    [{ PORT: '70000' }, /PORT/],
    [{ KILN_WORKERS: '-1' }, /KILN_WORKERS/],
    [{ TFJS_BACKEND: 'gpu' }, /TFJS_BACKEND="gpu".*auto, tensorflow, wasm, cpu/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ KILN_API_TOKEN: 'short' }, /KILN_API_TOKEN/],
    [{ KILN_ARTIFACT_STORE: 'gcs' }, /KILN_ARTIFACT_STORE="gcs".*fs, s3/],
    [{ KILN_ARTIFACT_STORE: 's3' }, /KILN_S3_BUCKET: required when KILN_ARTIFACT_STORE=s3/],
    [
      { KILN_ARTIFACT_STORE: 's3', KILN_S3_BUCKET: 'b1k', KILN_S3_ACCESS_KEY_ID: 'id' },
      /KILN_S3_SECRET_ACCESS_KEY: set both or neither/,
    ],
    [{ KILN_S3_ENDPOINT: 'minio:9000' }, /KILN_S3_ENDPOINT/],
    [{ KILN_WORKER_CONCURRENCY: '0' }, /KILN_WORKER_CONCURRENCY/],
    [{ KILN_REQUIRE_GPU: 'maybe' }, /KILN_REQUIRE_GPU/],
    [{ KILN_MAX_CSV_COLUMNS: '1' }, /KILN_MAX_CSV_COLUMNS/],
    [{ KILN_MAX_CSV_COLUMNS: 'many' }, /KILN_MAX_CSV_COLUMNS/],
    [{ KILN_SERVING_MAX_QUEUE: '0' }, /KILN_SERVING_MAX_QUEUE/],
    [{ KILN_SERVING_MAX_QUEUE: 'lots' }, /KILN_SERVING_MAX_QUEUE/],
    [{ KILN_SERVING_THREADS: '-1' }, /KILN_SERVING_THREADS/],
    [{ KILN_SERVING_THREADS: '65' }, /KILN_SERVING_THREADS/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (error: Error) => error instanceof KilnError && error.code === 'invalid_config' && message.test(error.message),
      JSON.stringify(env),
    );
  }
});

test('KILN_ARTIFACT_STORE=s3 with its settings selects an S3 store with exactly those settings', async () => {
  const { artifactStoreSettings } = await import('../../src/artifacts/from-config.ts');
  const config = loadConfig({
    KILN_ARTIFACT_STORE: 's3',
    KILN_S3_BUCKET: 'kiln-artifacts',
    KILN_S3_ENDPOINT: 'http://minio:9000',
    KILN_S3_FORCE_PATH_STYLE: 'true',
    KILN_S3_ACCESS_KEY_ID: 'minio',
    KILN_S3_SECRET_ACCESS_KEY: 'minio-secret',
    KILN_S3_PREFIX: 'prod',
  });
  assert.deepEqual(artifactStoreSettings(config).s3, {
    bucket: 'kiln-artifacts',
    region: 'us-east-1',
    endpoint: 'http://minio:9000',
    forcePathStyle: true,
    accessKeyId: 'minio',
    secretAccessKey: 'minio-secret',
    prefix: 'prod',
  });
  assert.equal(artifactStoreSettings(loadConfig({})).kind, 'fs');
});

test('open mode listens on 127.0.0.1 unless HOST says otherwise, and then warns; a token opens every interface', () => {
  const open = listenAddress(loadConfig({}));
  assert.equal(open.host, '127.0.0.1');
  assert.match(open.note ?? '', /no KILN_API_TOKEN is set: listening on 127\.0\.0\.1 only/);
  const exposed = listenAddress(loadConfig({ HOST: '0.0.0.0' }));
  assert.equal(exposed.host, '0.0.0.0');
  assert.match(exposed.warning ?? '', /anyone who reaches this port can submit runs/);
  assert.deepEqual(listenAddress(loadConfig({ KILN_API_TOKEN: 'a-long-enough-token' })), { host: '0.0.0.0' });
  assert.deepEqual(listenAddress(loadConfig({ HOST: '::1' })), { host: '::1' });
});
