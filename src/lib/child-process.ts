import { fork, type ChildProcess } from 'node:child_process';

/**
 * Forks a child process on a TypeScript module of Kiln (run through tsx, as the parent is), sharing the
 * parent's stdout and stderr and talking over Node's IPC channel.
 */
export function forkModule(path: string, args: string[] = []): ChildProcess {
  return fork(path, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** In a forked child: sends a message to the parent; resolves once it is sent (or at once if the parent is gone). */
export function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}
