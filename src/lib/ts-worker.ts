import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to the caller, given as its `.ts` name. Running from
 * TypeScript sources (tsx), a Worker given a .ts entry fails on Node 20 even with execArgv
 * ['--import', 'tsx'] (ERR_UNKNOWN_FILE_EXTENSION, tsx issue #354), so a small bootstrap registers
 * tsx inside the worker first, then imports the entry; compiled code starts the `.js` file directly.
 */
export function startModuleWorker(tsEntry: URL): Worker {
  if (!tsEntry.href.endsWith('.ts')) return new Worker(tsEntry);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(tsEntry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}
