// Builds the dashboard (web/) into web/dist with Vite; the api serves it at `/`.
// Runs after `npm install`. A production install (`npm ci --omit=dev`) has no Vite: then it says
// so and skips, since the image's build stage builds the dashboard itself.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../web/', import.meta.url));
try {
  createRequire(import.meta.url).resolve('vite');
} catch {
  console.log(
    'build-web: vite is not installed (production install?), so the dashboard is not built; run npm run build:web where it is',
  );
  process.exit(0);
}
const { build } = await import('vite');
await build({ root, configFile: `${root}vite.config.ts`, logLevel: 'warn' });
console.log(`build-web: dashboard built into ${root}dist`);
