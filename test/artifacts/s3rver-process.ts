import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running s3rver and how to reach it (path-style, s3rver's default S3RVER/S3RVER credentials). */
export interface RunningS3rver {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const mainScript = fileURLToPath(new URL('./s3rver-main.ts', import.meta.url));

/**
 * Starts s3rver with an empty `bucket` on a free port, in a child process: s3rver encrypts
 * ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers with
 * --openssl-legacy-provider, a flag that cannot be turned on inside an already running process.
 */
export async function startS3rver(bucket: string): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'kiln-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', mainScript, directory, bucket],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  const firstLine = once(createInterface({ input: child.stdout }), 'line');
  const ready = await Promise.race([
    firstLine,
    exited.then(([code]) => Promise.reject(new Error(`s3rver exited early (code ${code})`))),
  ]);
  const { port } = JSON.parse(String(ready[0])) as { port: number };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
