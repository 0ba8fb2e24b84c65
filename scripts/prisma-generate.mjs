// Runs `prisma generate` after install. Generation itself is WebAssembly and needs no download,
// but the Prisma CLI checks for its schema-engine binary at start-up, which machines without
// access to Prisma's binary host cannot fetch. Generation never calls that engine, so when no
// engine is configured we point the check at a harmless executable.
import { spawnSync } from 'node:child_process';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY)
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.platform === 'win32' ? 'cmd.exe' : '/bin/true';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], {
  stdio: 'inherit',
  env,
  shell: process.platform === 'win32',
});
process.exit(result.status ?? 1);
