import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = `${ROOT}web/dist`;

/** Builds the dashboard from the current web/ sources (about a second), so tests never serve a stale build. */
export function buildDashboard(): void {
  const result = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build:web failed:\n${result.stdout}${result.stderr}`);
}
