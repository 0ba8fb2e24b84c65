// One reading of a gzip bomb in a fresh process, so that its peak RSS is its own: `streamed` is the
// IDX reader (stops past the declared size), `buffered` is gunzipSync up to the dataset limit (the
// reader before it). Prints {ms, maxRssMb, outcome} as JSON.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseIdxFile } from '../../src/datasets/formats/idx.ts';

const [mode, path, limitBytes] = process.argv.slice(2) as ['streamed' | 'buffered', string, string];
const bomb = new Uint8Array(readFileSync(path));
const start = performance.now();
let outcome = 'read';
try {
  if (mode === 'streamed') parseIdxFile('bomb.gz', bomb, { maxUncompressedBytes: Number(limitBytes) });
  else gunzipSync(bomb, { maxOutputLength: Number(limitBytes) });
} catch (error) {
  outcome = (error as Error).message.slice(0, 80);
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, outcome }));
