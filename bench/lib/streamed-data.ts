// Data read from a local file by position (what a training process does with arrays past
// KILN_TRAINING_DATA_MEMORY_MB) against the same data in memory: the seed CNN's training throughput on
// real digits, alternating the two so both see the same machine, and the peak RSS of a child process
// streaming one epoch of a dataset larger than the budget, from disk and from memory.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { epochOrder, resolvePreprocess, SampleStore, type BatchStreamOptions } from '../../src/engine/data/index.ts';
import { useBackend } from './backends.ts';
import { percentile } from './percentiles.ts';
import { compared, type BenchResult } from './results.ts';
import { realMnistStore, timedEpoch } from './trainer-wait.ts';

const BATCH = 128;
const SAMPLES = Number(process.env.KILN_BENCH_WAIT_SAMPLES ?? 3072);
const ROUNDS = 3;
/** Rows of 784 bytes in the RSS check: 235 MB, a dataset past the default 256 MB budget's reach once decoded. */
const RSS_ROWS = Number(process.env.KILN_BENCH_RSS_ROWS ?? 300_000);

export async function streamedVsMemory(): Promise<BenchResult[]> {
  await useBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-streamed-'));
  try {
    const inMemory = realMnistStore(SAMPLES);
    const x = inMemory.x as { data: Uint8Array; shape: number[] };
    const path = join(dir, 'train.x.bin');
    writeFileSync(path, x.data);
    const fromFile = new SampleStore({ x: { dtype: 'uint8', shape: x.shape, path }, y: inMemory.y });
    const options = (store: SampleStore): BatchStreamOptions => ({
      store,
      batchSize: BATCH,
      order: epochOrder(store.size, true, 5, 0),
      preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
      labels: { kind: 'oneHot', numClasses: 10 },
      training: true,
      seed: 5,
      epoch: 0,
    });
    await timedEpoch({ ...options(inMemory), order: options(inMemory).order.subarray(0, 2 * BATCH) }); // warm-up
    const memory: number[] = [];
    const file: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      memory.push((await timedEpoch(options(inMemory))).samplesPerSec);
      file.push((await timedEpoch(options(fromFile))).samplesPerSec);
    }
    fromFile.close();
    const label = `seed CNN on wasm, ${SAMPLES} real digits, batch ${BATCH}, median of ${ROUNDS}`;
    return [
      { name: `${label}: training from memory`, value: percentile(memory, 50), unit: 'samples/s' },
      compared(`${label}: training from a local file by position`, percentile(file, 50), 'samples/s', {
        name: 'from memory',
        value: percentile(memory, 50),
      }),
      ...peakRss(dir),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS of a child streaming one epoch of RSS_ROWS digits, from a file and from memory. */
function peakRss(dir: string): BenchResult[] {
  const path = join(dir, 'large.x.bin');
  // Written 1,000 rows at a time: this process holds none of it while the children run.
  const block = Buffer.alloc(1000 * 784);
  for (let i = 0; i < block.length; i++) block[i] = (i % 784) % 251;
  const fd = openSync(path, 'w');
  for (let r = 0; r < RSS_ROWS; r += 1000) writeSync(fd, block, 0, Math.min(1000, RSS_ROWS - r) * 784);
  closeSync(fd);
  const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
  const measure = (mode: 'file' | 'memory') =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', child, mode, path, String(RSS_ROWS)], { encoding: 'utf8' }),
    ) as { maxRssMb: number; samplesPerSec: number };
  const file = measure('file');
  const memory = measure('memory');
  const mb = ((RSS_ROWS * 784) / 2 ** 20).toFixed(0);
  return [
    {
      name: `one epoch of ${RSS_ROWS} rows (${mb} MB), batches only: peak RSS from memory`,
      value: memory.maxRssMb,
      unit: 'MB',
    },
    compared(
      `one epoch of ${RSS_ROWS} rows (${mb} MB), batches only: peak RSS from a local file`,
      file.maxRssMb,
      'MB',
      {
        name: 'from memory',
        value: memory.maxRssMb,
      },
    ),
  ];
}
