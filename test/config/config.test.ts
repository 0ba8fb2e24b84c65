import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

test('defaults hold when the environment is empty', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(config.KILN_DATA_DIR, './data');
  assert.equal(config.KILN_WORKERS, 1);
  assert.equal(config.TFJS_BACKEND, 'auto');
  assert.equal(config.DATABASE_URL, undefined);
});

test('values are converted from strings', () => {
  const config = loadConfig({ PORT: '9000', KILN_WORKERS: '3', TFJS_BACKEND: 'cpu', DATABASE_URL: 'postgresql://u@h/db' });
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
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (error: Error) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
  }
});
