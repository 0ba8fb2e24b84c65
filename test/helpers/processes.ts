import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import type { Config } from '../../src/config/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The real api, listening on a free port. */
export async function startApi(config: Config): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = await buildApp(config, pino({ level: config.LOG_LEVEL }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A real worker process (`npm run worker`), with the given environment. Resolves once it is ready. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (out.includes('worker ready')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`worker exited with ${code} before it was ready:\n${out}`)));
  });
  return {
    child,
    exited,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Whether a process with this pid is running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pids a worker logged with a message (`training process started`, `ingestion process started`), in
 * order; only the lines naming `id` (a run or dataset) when given. The last "pid" key of a pino line is
 * the child's (the first is the worker's own).
 */
export function loggedPids(workerOutput: string, message: string, id?: string): number[] {
  return workerOutput
    .split('\n')
    .filter((line) => line.includes(`"${message}"`) && (!id || line.includes(id)))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}
