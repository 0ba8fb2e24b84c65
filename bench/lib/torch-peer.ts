// PyTorch as the training bench's peer: a long-lived bench/peers/torch_seed_cnn.py process trains
// the seed CNN one batch per request, so the bench can take turns between it and Kiln's steps in
// the same run (a burst of load from the machine's other tenants then hits both alike).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MNIST_DIR } from './mnist.ts';

/** Debian's interpreter, where python3-torch installs; the `python3` on PATH may be another one without it. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../peers/torch_seed_cnn.py', import.meta.url));

/** What the peer ran on, as torch_seed_cnn.py reports it after profiling one batch. */
export interface TorchKernels {
  torch: string;
  threads: number;
  interop_threads: number;
  mkldnn_available: boolean;
  mkldnn_enabled: boolean;
  /** The aten convolution and matmul ops of one profiled batch (aten::mkldnn_convolution: oneDNN). */
  ops: string[];
  /** The BLAS library mapped into the process (the dense layers' matmuls). */
  blas: string[];
  cpu_capability: string | null;
  parallel: string;
}

export interface TorchPeerStep {
  /** Trains rows [start, start + size) as one batch; resolves with the ms PyTorch measured for it. */
  run(start: number, size: number): Promise<number>;
  /** Profiles one more (untimed) batch and reports the kernels that ran. */
  kernels(): Promise<TorchKernels>;
  close(): Promise<void>;
}

/** Why the peer cannot run here (to print and skip its rows), or undefined when torch imports. */
export function torchUnavailable(): string | undefined {
  const check = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (check.error) return `${PYTHON} did not start (${check.error.message})`;
  if (check.status !== 0) {
    const reason = check.stderr.trim().split('\n').at(-1);
    return `${PYTHON} cannot import torch (${reason}); apt-get install -y python3-torch`;
  }
  return undefined;
}

/**
 * The environment without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE: when set they override OpenBLAS's
 * own detection of this CPU's core type and cache size, so a torch that loads OpenBLAS (through
 * Debian's BLAS alternatives) would run kernels tuned for another CPU. The peer should run as a
 * user's PyTorch would; only its process loses them.
 */
function peerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Starts the peer with `threads` intra-op threads on the first `samples` digits; resolves once it is ready. */
export async function startTorchPeer(threads: number, batch: number, samples: number): Promise<TorchPeerStep> {
  const args = [SCRIPT, '--serve', '--threads', `${threads}`, '--batch', `${batch}`, '--samples', `${samples}`];
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [...args, '--mnist', MNIST_DIR], { env: peerEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code) => reject(new Error(`PyTorch peer exited (${code}): ${stderr.trim()}`))),
  );
  exited.catch(() => {}); // only a pending request reports it

  /** The peer's next reply line, or the reason it died first. */
  const next = async <T>(request?: object): Promise<T> => {
    if (request) child.stdin.write(`${JSON.stringify(request)}\n`);
    const line = await Promise.race([lines.next(), exited]);
    if (line.done) return await exited;
    return JSON.parse(line.value) as T;
  };

  await next<{ ready: true }>();
  return {
    run: async (start, size) => (await next<{ ms: number }>({ start, size })).ms,
    kernels: async () => (await next<{ kernels: TorchKernels }>({ describe: true })).kernels,
    async close() {
      child.stdin.end();
      await exited.catch(() => {});
    },
  };
}

/** One line naming what the peer ran on, for the bench table and its JSON. */
export function describeKernels(k: TorchKernels): string {
  const conv = k.ops.includes('aten::mkldnn_convolution') ? 'oneDNN convolutions' : 'non-oneDNN convolutions';
  const blas = k.blas.map((path) => path.split('/').slice(-2).join('/')).join(', ') || 'no BLAS mapped';
  return (
    `torch ${k.torch}, ${k.threads} thread(s) + ${k.interop_threads} inter-op, ${conv} (mkldnn ` +
    `${k.mkldnn_available ? 'available' : 'unavailable'}), dense on ${blas}, CPU capability ${k.cpu_capability}, ` +
    `${k.parallel}; ops: ${k.ops.join(' ')}`
  );
}
