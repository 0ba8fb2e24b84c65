import type { Logger } from 'pino';
import { sweepOrphanedScratch } from '../lib/scratch-dirs.ts';

/**
 * Removes scratch directories of processes that are gone (scratch-dirs.ts), after every training
 * process and once at start. A failure is logged: it never fails a job or the worker's start.
 */
export async function sweepScratch(dataDir: string, log: Logger): Promise<void> {
  try {
    const removed = await sweepOrphanedScratch(dataDir);
    if (removed.length > 0) log.info({ removed }, 'removed scratch directories left by training processes that died');
  } catch (error) {
    log.warn({ err: error }, 'could not sweep scratch directories');
  }
}
