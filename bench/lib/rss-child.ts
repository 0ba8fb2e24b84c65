// Child of streamed-data.ts: builds one epoch of batches of a uint8 [rows, 28, 28, 1] dataset, read
// from a file by position or loaded into memory as a training process would, and prints its peak RSS,
// sampled after every batch: getrusage's maxRSS is no use here, as a child starts with its parent's
// (Linux carries ru_maxrss across fork and exec).
import { readFileSync } from 'node:fs';
import { createBatchStream, epochOrder, resolvePreprocess, SampleStore } from '../../src/engine/data/index.ts';

const [mode, path, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const y = { dtype: 'int32' as const, shape: [rows], data: Int32Array.from({ length: rows }, (_, i) => i % 10) };
const shape = [rows, 28, 28, 1];
const store =
  mode === 'memory'
    ? new SampleStore({ x: { dtype: 'uint8', shape, data: new Uint8Array(readFileSync(path!)) }, y })
    : new SampleStore({ x: { dtype: 'uint8', shape, path: path! }, y });
const started = performance.now();
let samples = 0;
let peak = process.memoryUsage.rss();
for await (const batch of createBatchStream({
  store,
  batchSize: 128,
  order: epochOrder(rows, true, 1, 0),
  preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
  labels: { kind: 'oneHot', numClasses: 10 },
  training: true,
  seed: 1,
  epoch: 0,
})) {
  samples += batch.size;
  peak = Math.max(peak, process.memoryUsage.rss());
}
store.close();
console.log(
  JSON.stringify({
    maxRssMb: peak / 2 ** 20,
    samplesPerSec: samples / ((performance.now() - started) / 1000),
  }),
);
