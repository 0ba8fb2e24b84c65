import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

describe('model version numbers', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ database: 'postgresql' });
  });
  after(() => stack?.stop());

  const trainVersion = async () => {
    const created = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ name: 'pinned', epochs: 1 }));
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
});
