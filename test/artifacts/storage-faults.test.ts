import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore, storageFault, withStorageFaults } from '../../src/artifacts/index.ts';
import { KilnError } from '../../src/domain/errors.ts';

describe('storage faults', () => {
  test('a full disk (a write to /dev/full) is storage_unavailable, 503, with no path in its message', async () => {
    const error = await writeFile('/dev/full', 'x').catch((e: unknown) => e);
    const fault = storageFault(error);
    assert.ok(fault instanceof KilnError);
    assert.equal(fault.code, 'storage_unavailable');
    assert.equal(fault.status, 503);
    assert.equal(fault.message, 'the artifact store is full (no space left on device)');
  });

  test('a read-only store refuses writes as storage_unavailable; reads and missing keys are as before', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ro-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    if (mounted.status !== 0) {
      rmSync(dir, { recursive: true });
      return t.skip('cannot mount a tmpfs here (needs root)');
    }
    try {
      const store = withStorageFaults(new FsArtifactStore(dir));
      await store.put('runs/a/file.txt', 'kept');
      spawnSync('mount', ['-o', 'remount,ro', dir]);
      // Into an existing folder, and into a new one (where Node's recursive mkdir says ENOENT).
      for (const key of ['runs/a/other.txt', 'runs/b/new.txt'])
        await assert.rejects(store.put(key, 'x'), (e: KilnError) => {
          assert.equal(e.code, 'storage_unavailable', key);
          assert.equal(e.message, 'the artifact store is read-only');
          assert.doesNotMatch(e.message, new RegExp(dir));
          return true;
        });
      assert.equal((await store.get('runs/a/file.txt')).toString(), 'kept');
      await assert.rejects(store.get('runs/a/missing.txt'), (e: KilnError) => e.code === 'artifact_not_found');
    } finally {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an object store's 5xx, 403 and 429 are storage faults; a bug is not", () => {
    const s3 = (status: number, name: string) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    assert.equal(storageFault(s3(503, 'SlowDown'))?.message, 'the object store answered 503 (SlowDown)');
    assert.equal(storageFault(s3(403, 'AccessDenied'))?.code, 'storage_unavailable');
    assert.equal(storageFault(s3(404, 'NoSuchKey')), undefined);
    assert.equal(storageFault(new TypeError('x is undefined')), undefined);
    assert.equal(
      storageFault(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))?.message,
      'the artifact store is unreachable (ECONNREFUSED)',
    );
  });
});
