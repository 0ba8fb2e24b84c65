/**
 * docker-compose.yml as Docker Compose resolves it (`docker-compose config` validates the file against
 * the Compose schema and interpolates variables, without needing a Docker engine), and
 * deploy/prometheus.yml against it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, loadConfig } from '../../src/config/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = process.env.KILN_TEST_DOCKER_COMPOSE ?? 'docker-compose';

interface Service {
  image?: string;
  build?: { target?: string };
  command?: string[] | string;
  environment?: Record<string, string | null>;
  profiles?: string[];
  ports?: unknown[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  deploy?: {
    resources?: {
      reservations?: { devices?: Array<{ driver?: string; count?: number | string; capabilities?: string[] }> };
    };
  };
}

/** `docker-compose config` of the file with the given variables only (none of the caller's environment). */
function composeConfig(variables: Record<string, string> = {}): {
  status: number | null;
  stderr: string;
  services: Record<string, Service>;
} {
  // An env file of our own, so a developer's .env or exported variables cannot change what is tested.
  const dir = mkdtempSync(join(tmpdir(), 'kiln-compose-'));
  try {
    const envFile = join(dir, 'test.env');
    writeFileSync(
      envFile,
      Object.entries(variables)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    const result = spawnSync(COMPOSE, ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
    if (result.error) {
      throw new Error(
        `${COMPOSE} could not run (${result.error.message}); install it with apt-get install -y docker-compose, as .ci/run does`,
      );
    }
    const parsed =
      result.status === 0 ? (parseYaml(result.stdout) as { services: Record<string, Service> }) : { services: {} };
    return { status: result.status, stderr: result.stderr, services: parsed.services };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { status, stderr, services } = composeConfig();
const KILN_SERVICES = ['api', 'worker', 'worker-cpu'];
const WORKERS = ['worker', 'worker-cpu'];
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, v ?? '']));
const durationMs = (value: string) => {
  const match = /^(\d+)(ms|s|m)$/.exec(value);
  assert.ok(match, `unexpected duration ${value}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
};

test('docker-compose config accepts the file', () => {
  assert.equal(status, 0, stderr);
  assert.deepEqual(Object.keys(services).sort(), [
    'api',
    'minio',
    'minio-bucket',
    'postgres',
    'prometheus',
    'redis',
    'worker',
    'worker-cpu',
  ]);
});

test('redis keeps the queue: append-only file, and noeviction as BullMQ requires', () => {
  const command = ([] as string[]).concat(services.redis!.command ?? []).join(' ');
  assert.match(command, /--appendonly yes/);
  assert.match(command, /--maxmemory-policy noeviction/);
});

test('the GPU worker reserves an NVIDIA GPU; the CPU worker only runs with --profile cpu', () => {
  const devices = services.worker!.deploy?.resources?.reservations?.devices ?? [];
  assert.ok(
    devices.some((d) => d.driver === 'nvidia' && d.capabilities?.includes('gpu')),
    `worker has no GPU reservation: ${JSON.stringify(devices)}`,
  );
  assert.equal(services.worker!.build?.target, 'worker');
  assert.equal(services.worker!.profiles, undefined, 'the GPU worker starts with a plain `docker compose up`');

  assert.deepEqual(services['worker-cpu']!.profiles, ['cpu']);
  assert.equal(services['worker-cpu']!.build?.target, 'worker-cpu');
  assert.equal(
    services['worker-cpu']!.deploy?.resources?.reservations?.devices,
    undefined,
    'the CPU worker must start without a GPU',
  );
  assert.equal(env('worker-cpu').KILN_REQUIRE_GPU, '0');
  assert.equal(env('worker').KILN_REQUIRE_GPU, '1');

  // Everything else runs in both setups.
  for (const [name, service] of Object.entries(services)) {
    if (name !== 'worker-cpu') assert.equal(service.profiles, undefined, `${name} should not need a profile`);
  }
});

test('workers can be scaled: no fixed container name or host port', () => {
  for (const name of WORKERS) {
    assert.equal(services[name]!.container_name, undefined, `${name} has a container_name`);
    assert.equal(services[name]!.ports, undefined, `${name} publishes a host port`);
  }
});

test('every environment variable given to Kiln is a setting, and the values load', () => {
  const settings = new Set(Object.keys(ConfigSchema.properties));
  for (const name of KILN_SERVICES) {
    for (const key of Object.keys(env(name))) {
      assert.ok(settings.has(key), `${name}: ${key} is not a setting of src/config/config.ts`);
    }
    assert.doesNotThrow(() => loadConfig(env(name)), `${name}: its environment does not load`);
  }
});

test('api and workers share one queue and one artifact store (MinIO over S3), and only the api has the database', () => {
  const api = env('api');
  assert.equal(api.KILN_ARTIFACT_STORE, 's3');
  assert.equal(api.KILN_S3_ENDPOINT, 'http://minio:9000');
  assert.equal(loadConfig(api).KILN_S3_FORCE_PATH_STYLE, true, 'MinIO needs path-style bucket addressing');
  assert.equal(api.KILN_S3_BUCKET, env('minio-bucket').KILN_S3_BUCKET, 'the one-shot creates a different bucket');
  assert.equal(api.KILN_S3_ACCESS_KEY_ID, env('minio').MINIO_ROOT_USER);
  assert.equal(api.KILN_S3_SECRET_ACCESS_KEY, env('minio').MINIO_ROOT_PASSWORD);
  assert.match(api.DATABASE_URL ?? '', /^postgresql:\/\/kiln:[^@]+@postgres:5432\/kiln$/);

  const shared = [
    'REDIS_URL',
    'KILN_QUEUE_PREFIX',
    'KILN_JOB_ATTEMPTS',
    'KILN_LOCK_DURATION_MS',
    'KILN_ARTIFACT_STORE',
    'KILN_S3_BUCKET',
    'KILN_S3_REGION',
    'KILN_S3_ENDPOINT',
    'KILN_S3_FORCE_PATH_STYLE',
    'KILN_S3_ACCESS_KEY_ID',
    'KILN_S3_SECRET_ACCESS_KEY',
    'KILN_S3_PREFIX',
  ];
  for (const worker of WORKERS) {
    for (const key of shared) assert.equal(env(worker)[key], api[key], `${worker}: ${key} differs from the api's`);
    assert.equal(env(worker).DATABASE_URL, undefined, `${worker} must not get the database`);
    assert.equal(services[worker]!.depends_on?.postgres, undefined, `${worker} does not need PostgreSQL`);
  }
});

test('nothing starts before what it needs: healthy Redis and PostgreSQL, and the bucket created', () => {
  assert.equal(services.api!.depends_on?.redis?.condition, 'service_healthy');
  assert.equal(services.api!.depends_on?.postgres?.condition, 'service_healthy');
  for (const name of KILN_SERVICES) {
    assert.equal(
      services[name]!.depends_on?.['minio-bucket']?.condition,
      'service_completed_successfully',
      `${name} may start before its bucket exists`,
    );
  }
  assert.equal(services['minio-bucket']!.depends_on?.minio?.condition, 'service_healthy');
});

test('a stopping worker gets longer than KILN_SHUTDOWN_TIMEOUT_MS to checkpoint its job', () => {
  for (const name of WORKERS) {
    const grace = durationMs(services[name]!.stop_grace_period ?? '10s');
    assert.ok(grace > loadConfig(env(name)).KILN_SHUTDOWN_TIMEOUT_MS, `${name}: stop_grace_period ${grace} ms`);
  }
});

test('settings come from the environment: changing a variable changes the services', () => {
  const changed = composeConfig({
    KILN_WORKER_CONCURRENCY: '4',
    MINIO_ROOT_PASSWORD: 'another-secret',
    KILN_API_TOKEN: 'a-long-token',
  });
  assert.equal(changed.status, 0, changed.stderr);
  assert.equal(changed.services.worker!.environment!.KILN_WORKER_CONCURRENCY, '4');
  assert.equal(changed.services.api!.environment!.KILN_API_TOKEN, 'a-long-token');
  assert.equal(changed.services.api!.environment!.KILN_S3_SECRET_ACCESS_KEY, 'another-secret');
  assert.equal(changed.services.minio!.environment!.MINIO_ROOT_PASSWORD, 'another-secret');
});

test('prometheus scrapes the api and every worker replica, on the ports they serve /metrics on', () => {
  const config = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as {
    scrape_configs: Array<{
      job_name: string;
      metrics_path?: string;
      dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
    }>;
  };
  const mounted = ([] as unknown[])
    .concat((services.prometheus as { volumes?: unknown[] }).volumes ?? [])
    .map(String)
    .join(' ');
  assert.match(mounted, /deploy\/prometheus\.yml:\/etc\/prometheus\/prometheus\.yml/);

  const targets = config.scrape_configs.flatMap((job) =>
    (job.dns_sd_configs ?? []).flatMap((sd) =>
      sd.names.map((name) => ({ name, port: sd.port, type: sd.type, path: job.metrics_path ?? '/metrics' })),
    ),
  );
  const api = targets.find((t) => t.name === 'api');
  assert.deepEqual(api && { port: api.port, path: api.path }, { port: loadConfig(env('api')).PORT, path: '/metrics' });
  for (const worker of WORKERS) {
    const target = targets.find((t) => t.name === worker);
    assert.ok(target, `prometheus does not scrape ${worker}`);
    assert.equal(target.type, 'A', 'an A query returns every replica of a scaled service');
    assert.equal(
      target.port,
      loadConfig(env(worker)).KILN_METRICS_PORT,
      `${worker}: scraped on another port than it serves`,
    );
  }
});
