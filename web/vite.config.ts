import { defineConfig } from 'vite';

// Built by scripts/build-web.mjs (npm run build:web) into web/dist, which the api serves at `/`.
// Everything is bundled: the page loads nothing from outside the api's origin.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, chunkSizeWarningLimit: 600 },
});
