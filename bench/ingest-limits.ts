// What hostile dataset files cost to ingest: CSVs of many columns (column lookup must stay linear, so
// 10× the columns is about 10× the time), timed in this process; and a gzip bomb (an IDX header of 10
// labels, then 1 GiB of zeros), read in a fresh process each way for its time and peak RSS. Figures,
// not pass/fail: the tests assert only the outcome (test/datasets/formats/csv.test.ts, idx.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/datasets/formats/csv.ts';
import { gzipBomb, idxLabelsHeader } from '../test/datasets/fixtures/gzip-bomb.ts';
import { compared, type BenchResult } from './lib/results.ts';

const BOMB_CHILD = fileURLToPath(new URL('./lib/gzip-bomb-child.ts', import.meta.url));
/** The dataset limit the buffered reader inflated up to (KILN_MAX_DATASET_MB's default is 4 GiB). */
const LIMIT_BYTES = 2 * 1024 ** 3;

function wideCsv(columns: number): Uint8Array {
  const header = Array.from({ length: columns }, (_, i) => `x${i}`).join(',') + ',label\n';
  return new TextEncoder().encode(header + '1,'.repeat(columns) + '0\n' + '2,'.repeat(columns) + '1\n');
}

function timeCsv(columns: number): number {
  const data = wideCsv(columns);
  const start = performance.now();
  parseCsv([{ name: 'wide.csv', data }], { maxColumns: columns + 1 });
  return performance.now() - start;
}

function readBomb(mode: 'streamed' | 'buffered', path: string): { ms: number; maxRssMb: number; outcome: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', BOMB_CHILD, mode, path, String(LIMIT_BYTES)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; maxRssMb: number; outcome: string };
}

async function bombResults(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-bomb-'));
  try {
    const head = new Uint8Array([...idxLabelsHeader(10), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const path = join(dir, 'bomb.gz');
    writeFileSync(path, await gzipBomb(head, 1024 ** 3));
    const streamed = readBomb('streamed', path);
    const buffered = readBomb('buffered', path);
    console.log(`streamed: ${streamed.outcome}\nbuffered: ${buffered.outcome}`);
    const baseline = 'gunzipSync up to 2 GiB';
    return [
      compared('gzip bomb (1 GiB of zeros): time to refuse', streamed.ms, 'ms', { name: baseline, value: buffered.ms }),
      compared('gzip bomb (1 GiB of zeros): peak RSS', streamed.maxRssMb, 'MB', {
        name: baseline,
        value: buffered.maxRssMb,
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const columns of [10_000, 100_000, 1_000_000]) {
    results.push({
      name: `csv of ${columns.toLocaleString('en')} columns, 2 rows`,
      value: timeCsv(columns),
      unit: 'ms',
    });
  }
  return [...results, ...(await bombResults())];
}
