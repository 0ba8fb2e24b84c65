import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openArtifactStore } from '../../src/artifacts/index.ts';

test('openArtifactStore keeps artifacts under <dataDir>/artifacts by default', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-data-'));
  try {
    for (const store of [openArtifactStore({ dataDir }), openArtifactStore({ dataDir, kind: 'fs' })]) {
      await store.put('runs/r1/model.json', '{"v":1}');
      assert.equal(await readFile(join(dataDir, 'artifacts', 'runs', 'r1', 'model.json'), 'utf8'), '{"v":1}');
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("openArtifactStore with kind 's3' but no s3 settings says what is missing", () => {
  assert.throws(() => openArtifactStore({ dataDir: '/tmp', kind: 's3' }), /needs s3 options/);
});
