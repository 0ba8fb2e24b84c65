import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkModule } from '../lib/child-process.ts';

const TRAINING_PROCESS = fileURLToPath(new URL('./training-process.ts', import.meta.url));

/**
 * The training processes a worker has running, one per job. Shutdown asks each to checkpoint at a batch
 * boundary; when KILN_SHUTDOWN_TIMEOUT_MS runs out first, `endAll` kills them, because a process stuck
 * in one long batch would otherwise outlive the deadline (BullMQ's forced close does not stop a running
 * processor).
 */
export class TrainingProcesses {
  private readonly running = new Set<ChildProcess>();
  private ended = false;

  start(): ChildProcess {
    const child = forkModule(TRAINING_PROCESS);
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    return child;
  }

  get size(): number {
    return this.running.size;
  }

  /** True once `endAll` ran: a training process that dies afterwards was ended by the shutdown. */
  get endedByShutdown(): boolean {
    return this.ended;
  }

  /** Kills every training process; resolves when all have exited. */
  async endAll(): Promise<void> {
    this.ended = true;
    const exits = [...this.running].map(
      (child) =>
        new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve()))),
    );
    for (const child of this.running) child.kill('SIGKILL');
    await Promise.all(exits);
  }
}
