import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsArtifactStore } from '../../src/artifacts/fs-artifact-store.ts';
import { artifactStoreContract } from './contract.ts';
import { failingStream } from './streams.ts';

/** A store in a fresh temporary directory. */
async function tempStore(): Promise<{ store: FsArtifactStore; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-fs-artifacts-'));
  return { store: new FsArtifactStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

artifactStoreContract('FsArtifactStore', tempStore);

test('FsArtifactStore: a failed putStream leaves no partial file on disk', async () => {
  const { store, cleanup } = await tempStore();
  try {
    await assert.rejects(
      store.putStream('runs/r1/weights.bin', failingStream(3 * 1024 * 1024, new Error('client went away'))),
    );
    assert.deepEqual(await readdir(join(store.root, 'runs', 'r1')), []);
  } finally {
    await cleanup();
  }
});
