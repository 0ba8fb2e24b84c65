import { after, before } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from './environment.ts';
import { startApi, startWorker, type WorkerProcess } from './processes.ts';

/** A whole Kiln for one test file: an isolated environment, the real api and one real worker process. */
export interface Stack {
  env: TestEnvironment;
  api: Awaited<ReturnType<typeof startApi>>;
  worker: WorkerProcess;
  /** Stops the worker, then the api, then removes the environment. */
  stop(): Promise<void>;
}

/** Starts an environment, the api and a worker, in that order. */
export async function startStack(opts?: Parameters<typeof createTestEnvironment>[0]): Promise<Stack> {
  const env = await createTestEnvironment(opts);
  const api = await startApi(env.config);
  const worker = await startWorker(env.env);
  return {
    env,
    api,
    worker,
    async stop() {
      await worker.stop();
      await api.close();
      await env.cleanup();
    },
  };
}

/**
 * A whole Kiln for the tests of the enclosing file or describe block: started before the first test,
 * stopped after the last. Its fields are set once the first test runs.
 */
export function useStack(
  opts?: Parameters<typeof createTestEnvironment>[0],
  hooks: { started?(stack: Stack): Promise<void> | void } = {},
): Stack {
  const stack = {} as Stack;
  before(async () => {
    Object.assign(stack, await startStack(opts));
    await hooks.started?.(stack);
  });
  after(async () => {
    await stack.stop?.();
  });
  return stack;
}
