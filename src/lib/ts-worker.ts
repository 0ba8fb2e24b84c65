import { Worker } from 'node:worker_threads';

/** Whether this process runs Kiln from its TypeScript sources (tsx) rather than compiled `.js`. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Starts a worker thread on a module, given as its `.ts` URL (`new URL('./x-worker.ts',
 * import.meta.url)`). Compiled code starts the `.js` file next to it directly. Running from
 * TypeScript sources (tsx), a Worker given a .ts entry fails on Node 20 even with execArgv
 * ['--import', 'tsx'] (ERR_UNKNOWN_FILE_EXTENSION, tsx issue #354), so a small bootstrap registers
 * tsx inside the worker first, then imports the entry.
 */
export function startModuleWorker(tsEntry: URL): Worker {
  if (!FROM_SOURCE) return new Worker(new URL(tsEntry.href.replace(/\.ts$/, '.js')));
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(tsEntry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}
