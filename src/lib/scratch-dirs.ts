// Local scratch directories under <dataDir>/tmp, each owned by the process that made it (its pid is
// in the name). A process normally removes its own; one that dies first (killed, out of memory)
// cannot, so any process may remove a directory whose owner is gone: the training worker sweeps
// after every training process it forked exits, and once when it starts.
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const OWNED = /-(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The root of the scratch directories for a data dir. */
export function scratchRoot(dataDir: string): string {
  return join(resolve(dataDir), 'tmp');
}

/** A fresh scratch directory path (not created) owned by this process: `<purpose>-<pid>-<uuid>`. */
export function scratchDir(dataDir: string, purpose: string): string {
  return join(scratchRoot(dataDir), `${purpose}-${process.pid}-${randomUUID()}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch directories whose owning process no longer runs, and returns their names.
 * Directories of live processes, and anything not named by scratchDir, are left alone (a reused
 * pid only delays a removal).
 */
export async function sweepOrphanedScratch(dataDir: string): Promise<string[]> {
  const root = scratchRoot(dataDir);
  const names = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const orphaned = names.filter((name) => {
    const owner = OWNED.exec(name);
    return owner !== null && !isAlive(Number(owner[1]));
  });
  await Promise.all(orphaned.map((name) => rm(join(root, name), { recursive: true, force: true })));
  return orphaned;
}
