// What hostile dataset files cost to ingest: CSVs of many columns (column lookup must stay linear, so
// 10× the columns is about 10× the time), timed in this process. Figures, not pass/fail: the tests
// assert only the outcome (test/datasets/formats/csv.test.ts).
import { parseCsv } from '../src/datasets/formats/csv.ts';
import type { BenchResult } from './lib/results.ts';

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

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const columns of [10_000, 100_000, 1_000_000]) {
    results.push({
      name: `csv of ${columns.toLocaleString('en')} columns, 2 rows`,
      value: timeCsv(columns),
      unit: 'ms',
    });
  }
  return results;
}
