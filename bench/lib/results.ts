// One result format for every bench part: printed as a table and saved as JSON under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  compareWith?: { name: string; value: number };
  /** value / compareWith.value */
  ratio?: number;
  /** What the figure was measured on when the name cannot say it all (e.g. a peer's kernels); printed under the row. */
  note?: string;
}

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Builds a result compared against a baseline, filling in the ratio. */
export function compared(
  name: string,
  value: number,
  unit: string,
  baseline: { name: string; value: number },
): BenchResult {
  return { name, value, unit, compareWith: baseline, ratio: value / baseline.value };
}

function format(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** Prints results as an aligned table under a heading naming the part. */
export function printResults(part: string, results: BenchResult[]): void {
  const rows = results.map((r) => [
    r.name,
    `${format(r.value)} ${r.unit}`,
    r.compareWith ? `${r.compareWith.name}: ${format(r.compareWith.value)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `x${format(r.ratio)}`,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), 4));
  console.log(`\n== ${part} ==`);
  for (const [k, row] of rows.entries()) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
    if (results[k]!.note) console.log(`  (${results[k]!.note})`);
  }
}

/** Writes results to bench/results/<part>-<ISO time>.json and returns the file path. */
export function writeResults(part: string, results: BenchResult[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${part}-${new Date().toISOString().replace(/:/g, '-')}.json`;
  writeFileSync(path, `${JSON.stringify({ part, at: new Date().toISOString(), results }, null, 2)}\n`);
  return path;
}
