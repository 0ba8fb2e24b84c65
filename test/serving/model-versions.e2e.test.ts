import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

describe('model version numbers', () => {
  const stack = useStack({ database: 'postgresql' });

  const trainVersion = async (name = 'pinned') => {
    const created = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ name, epochs: 1 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded']);
    return (await request(stack.api.url, 'GET', `/models/${run.modelId}`)).body as { id: string; version: number };
  };

  test('are never given out twice: a deleted latest version is not reused by the next model', async () => {
    const first = await trainVersion();
    assert.equal(first.version, 1);
    assert.equal((await request(stack.api.url, 'DELETE', '/models/pinned@1')).status, 204);
    const second = await trainVersion();
    assert.equal(second.version, 2, 'a client pinned to pinned@1 must not get another model');
    assert.equal((await request(stack.api.url, 'GET', '/models/pinned@1')).status, 404);
    assert.equal((await request(stack.api.url, 'GET', '/models/pinned')).body.id, second.id);
  });

  test('the list pages on after the last model it gave, even once that model is deleted; a made-up cursor is a 400', async () => {
    const other = await trainVersion('other'); // the newest; pinned@2 (the previous test's) comes next
    const first = (await request(stack.api.url, 'GET', '/models?limit=1')).body;
    assert.deepEqual(
      first.models.map((m: { id: string }) => m.id),
      [other.id],
    );
    assert.ok(first.nextCursor);
    assert.equal((await request(stack.api.url, 'DELETE', `/models/${other.id}`)).status, 204);
    const second = (await request(stack.api.url, 'GET', `/models?limit=1&cursor=${first.nextCursor}`)).body;
    assert.deepEqual(
      second.models.map((m: { name: string; version: number }) => `${m.name}@${m.version}`),
      ['pinned@2'],
    );
    const bogus = await request(stack.api.url, 'GET', '/models?cursor=bogus');
    assert.equal(bogus.status, 400);
    assert.equal(bogus.body.error.details[0].path, 'querystring.cursor');
  });
});
