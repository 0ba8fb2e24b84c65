// Assembles Kiln's own WebAssembly kernels (src/engine/backends/wasm/simd/*.wat) into
// src/generated/wasm/*.wasm with wabt. Runs after `npm install`. A production install
// (`npm ci --omit=dev`) has no wabt: then it says so and skips, since the image's build stage
// assembles them itself.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const sources = fileURLToPath(new URL('../src/engine/backends/wasm/simd/', import.meta.url));
const out = fileURLToPath(new URL('../src/generated/wasm/', import.meta.url));
let wabtInit;
try {
  wabtInit = createRequire(import.meta.url)('wabt');
} catch {
  console.log(
    'build-wasm-kernels: wabt is not installed (production install?), so the kernels are not assembled; run npm run build:wasm where it is',
  );
  process.exit(0);
}
const wabt = await wabtInit();
mkdirSync(out, { recursive: true });
for (const file of readdirSync(sources).filter((f) => f.endsWith('.wat'))) {
  const module = wabt.parseWat(file, readFileSync(sources + file, 'utf8'), { simd: true });
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  writeFileSync(`${out}${basename(file, '.wat')}.wasm`, buffer);
  console.log(
    `build-wasm-kernels: ${file} → src/generated/wasm/${basename(file, '.wat')}.wasm (${buffer.length} bytes)`,
  );
}
