// Runs the real `kiln` binary (bin/kiln.mjs) as a child process, as a user's shell would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const KILN_BIN = fileURLToPath(new URL('../../bin/kiln.mjs', import.meta.url));

export interface KilnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KilnProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<KilnResult>;
  /** Resolves once stdout or stderr matches. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
}

/** Starts `kiln args…` with the given environment added to this process's (KILN_URL, KILN_API_TOKEN, …). */
export function startKiln(
  args: string[],
  env: Record<string, string> = {},
  opts: { cwd?: string; stdin?: 'pipe' | 'ignore' } = {},
): KilnProcess {
  const child = spawn(process.execPath, [KILN_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, KILN_URL: '', KILN_API_TOKEN: '', ...env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const watchers: Array<() => void> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.on('data', (chunk: Buffer) => {
      out[stream] += chunk.toString();
      for (const w of watchers.slice()) w();
    });
  }
  const done = new Promise<KilnResult>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    done,
    waitFor(pattern, stream = 'stdout', timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out[stream])) return;
          clearTimeout(timer);
          watchers.splice(watchers.indexOf(check), 1);
          resolve();
        };
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out waiting for ${pattern} in kiln's ${stream}:\n${out.stdout}\n${out.stderr}`)),
          timeoutMs,
        );
        watchers.push(check);
        void done.then(() => {
          check();
          if (watchers.includes(check))
            reject(new Error(`kiln exited before ${pattern} appeared in its ${stream}:\n${out.stdout}\n${out.stderr}`));
        });
        check();
      });
    },
  };
}

/** Runs `kiln args…` to the end. */
export const kiln = (args: string[], env: Record<string, string> = {}, opts: { cwd?: string } = {}) =>
  startKiln(args, env, opts).done;
