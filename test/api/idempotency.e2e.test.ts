/**
 * Idempotency-Key on POST /runs and POST /datasets, through the real api on PostgreSQL: a repeat with
 * the same key and request gets the first answer and creates nothing — also concurrently and after an
 * api restart; another request under the key is a 422; a failed request leaves the key free.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { uploadDataset } from '../helpers/datasets.ts';
import { npy } from '../datasets/fixtures/npy-writer.ts';

describe('Idempotency-Key on POST /runs and POST /datasets', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  before(async () => {
    // No worker: runs stay queued and datasets ingesting, which is all these tests look at.
    env = await createTestEnvironment({ env: { KILN_ALLOW_PRIVATE_URLS: 'true' } });
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const post = (path: string, body: unknown, key?: string) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    }).then(async (response) => ({
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as any,
    }));
  const runsNamed = async (name: string) =>
    (await request(api.url, 'GET', '/runs?limit=200')).body.runs.filter((r: { name: string }) => r.name === name);

  test('a repeat with the same key and body answers 201 with the same run, and creates nothing', async () => {
    const key = randomUUID();
    const spec = denseRunSpec({ name: 'repeat' });
    const first = await post('/runs', spec, key);
    assert.equal(first.status, 201);
    assert.equal(first.replayed, null);
    const again = await post('/runs', spec, key);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.replayed, 'true');
    // Keras spellings are the same request once normalised.
    const keras = { ...spec, fit: { epochs: 3, batch_size: 16, validation_split: 0.25, seed: 7 } };
    assert.deepEqual((await post('/runs', keras, key)).body, first.body);
    assert.equal((await runsNamed('repeat')).length, 1);
  });

  test('concurrent requests with one key create one run; the others get it or a 409 to retry', async () => {
    const key = randomUUID();
    const spec = denseRunSpec({ name: 'concurrent' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/runs', spec, key)));
    const created = answers.filter((a) => a.status === 201);
    assert.ok(created.length >= 1, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(new Set(created.map((a) => a.body.id)).size, 1);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.code, 'idempotency_key_in_use');
      assert.ok(Number(answer.retryAfter) >= 1);
    }
    assert.equal((await runsNamed('concurrent')).length, 1);
    // Once the first has answered, every retry gets its run.
    assert.equal((await post('/runs', spec, key)).body.id, created[0]!.body.id);
  });

  test('the same key with a different body is a 422 naming the header', async () => {
    const key = randomUUID();
    assert.equal((await post('/runs', denseRunSpec({ name: 'mismatch' }), key)).status, 201);
    const other = await post('/runs', denseRunSpec({ name: 'mismatch', epochs: 9 }), key);
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency_key_mismatch');
    assert.match(other.body.error.message, /Idempotency-Key/);
    assert.equal(other.body.error.details[0].path, 'headers.idempotency-key');
    assert.equal((await runsNamed('mismatch')).length, 1);
  });

  test('keys are scoped per route: one key on /runs and on /datasets is two requests', async () => {
    const key = randomUUID();
    assert.equal((await post('/runs', denseRunSpec({ name: 'scoped' }), key)).status, 201);
    const dataset = await post('/datasets', { name: 'scoped', url: 'http://127.0.0.1:9/data.npz' }, key);
    assert.equal(dataset.status, 201);
    assert.equal(dataset.replayed, null);
  });

  test('a rejected request does not burn its key; a dry run does not touch it', async () => {
    const key = randomUUID();
    const invalid = { ...denseRunSpec({ name: 'fixed' }), dataset: { id: 'no-such-dataset' } };
    const refused = await post('/runs', invalid, key);
    assert.equal(refused.status, 400);
    const dry = await fetch(`${api.url}/runs?dryRun=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(denseRunSpec({ name: 'other' })),
    });
    assert.equal(dry.status, 200);
    // The corrected request runs under the same key (not a 422 for "another request").
    const fixed = await post('/runs', denseRunSpec({ name: 'fixed' }), key);
    assert.equal(fixed.status, 201);
    assert.equal(fixed.replayed, null);
  });

  test('a malformed key is a 400 naming the header; a quoted one (the IETF draft) is the bare one', async () => {
    const long = await post('/runs', denseRunSpec(), 'k'.repeat(256));
    assert.equal(long.status, 400);
    assert.equal(long.body.error.details[0].path, 'headers.idempotency-key');
    const key = randomUUID();
    const bare = await post('/runs', denseRunSpec({ name: 'quoted' }), key);
    const quoted = await post('/runs', denseRunSpec({ name: 'quoted' }), `"${key}"`);
    assert.equal(quoted.body.id, bare.body.id);
  });

  test('an upload repeated with one key gives one dataset, and the repeat keeps no files', async () => {
    const key = randomUUID();
    const files = [
      { name: 'x.npy', data: npy('<f4', [4, 2], [0, 1, 1, 0, 0, 0, 1, 1]) },
      { name: 'y.npy', data: npy('|u1', [4], [1, 1, 0, 0]) },
    ];
    const first = await uploadDataset(api.url, files, { name: 'twice' }, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    const again = await uploadDataset(api.url, files, { name: 'twice' }, { 'idempotency-key': key });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    const datasets = (await request(api.url, 'GET', '/datasets')).body.datasets;
    assert.equal(datasets.filter((d: { name: string }) => d.name === 'twice').length, 1);
    const uploads = join(env.dataDir, 'artifacts', 'uploads');
    assert.deepEqual(existsSync(uploads) ? readdirSync(uploads).filter((id) => id !== first.body.id) : [], []);

    // Another file under the same key: 422, and its files are not kept either.
    const changed = [files[0]!, { name: 'y.npy', data: npy('|u1', [4], [0, 0, 1, 1]) }];
    const other = await uploadDataset(api.url, changed, { name: 'twice' }, { 'idempotency-key': key });
    assert.equal(other.status, 422);
    assert.deepEqual(readdirSync(uploads), [first.body.id]);
  });

  test('a retry after the api restarted answers the same run', async () => {
    const key = randomUUID();
    const spec = denseRunSpec({ name: 'restart' });
    const first = await post('/runs', spec, key);
    assert.equal(first.status, 201);
    await api.close();
    api = await startApi(env.config);
    const again = await post('/runs', spec, key);
    assert.equal(again.status, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.replayed, 'true');
    assert.equal((await runsNamed('restart')).length, 1);
  });
});
