import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../../helpers/stack.ts';
import { mnistFiles, uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { waitFor } from '../../helpers/http.ts';
import { isAlive, loggedPids } from '../../helpers/processes.ts';

const stack = useStack();

test('each ingestion runs in a process of its own, which ends with it', async () => {
  const files = await mnistFiles();
  for (const name of ['first', 'second']) {
    const { body } = await uploadDataset(stack.api.url, files, { name });
    assert.equal((await waitForDataset(stack.api.url, body.id)).status, 'ready');
  }
  const pids = loggedPids(stack.worker.output(), 'ingestion process started');
  assert.equal(pids.length, 2, stack.worker.output().slice(-2000));
  assert.notEqual(pids[0], pids[1], 'a fresh process for each');
  assert.ok(!pids.includes(stack.worker.child.pid!), 'not the worker itself');
  await waitFor(async () => pids.every((pid) => !isAlive(pid)), 5000, 'both ingestion processes to have exited');
});
