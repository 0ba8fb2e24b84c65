import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDir, scratchRoot, sweepOrphanedScratch } from '../../src/lib/scratch-dirs.ts';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid!;
}

test('the sweep removes scratch directories of processes that are gone, and nothing else', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-scratch-'));
  try {
    const root = scratchRoot(dataDir);
    const orphaned = `run-data-${deadPid()}-${randomUUID()}`;
    const kept = [scratchDir(dataDir, 'run-data'), join(root, 'notes'), join(root, `run-data-${deadPid()}-not-a-uuid`)];
    for (const dir of [join(root, orphaned), ...kept]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'features.bin'), Buffer.alloc(1024));
    }
    assert.deepEqual(await sweepOrphanedScratch(dataDir), [orphaned]);
    assert.equal(existsSync(join(root, orphaned)), false);
    for (const dir of kept) assert.ok(existsSync(dir), `${dir} is kept: its owner runs, or Kiln did not name it`);
    assert.deepEqual(await sweepOrphanedScratch(dataDir), [], 'nothing left to sweep');
    assert.deepEqual(await sweepOrphanedScratch(join(dataDir, 'missing')), [], 'no scratch root yet');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
