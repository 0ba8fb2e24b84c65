import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileArray } from '../../../src/domain/arrays.ts';
import { FileRows } from '../../../src/engine/data/file-rows.ts';
import {
  createBatchStream,
  epochOrder,
  livePrefetchWorkers,
  PrefetchWorker,
  resolvePreprocess,
  SampleStore,
  type HostBatch,
} from '../../../src/engine/data/index.ts';
import { classLabels, images } from './fixtures.ts';

async function withFile<T>(bytes: Uint8Array, body: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-rows-'));
  try {
    const path = join(dir, 'x.bin');
    await writeFile(path, bytes);
    return await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('rows read by position equal the array, and the cache stays within its size', () => {
  // 500 float32 rows of 300 values (1,200 bytes): blocks of 54 rows; a cache of 2 blocks.
  const values = Float32Array.from({ length: 500 * 300 }, (_, i) => i * 0.5);
  return withFile(new Uint8Array(values.buffer), async (path) => {
    const rows = new FileRows({ dtype: 'float32', shape: [500, 300], path }, 2 * 54 * 1200);
    for (const r of [0, 499, 53, 54, 250, 0, 1]) assert.deepEqual(rows.row(r), values.subarray(r * 300, (r + 1) * 300));
    // 0 → block 0, 499 → 9, 53 → 0 (hit), 54 → 1 (evicts 9), 250 → 4 (evicts 0), 0 → 0 again, 1 → hit.
    assert.equal(rows.blockReads, 5);
    rows.close();
    assert.deepEqual(rows.row(2), values.subarray(600, 900));
    rows.close();
  });
});

test('a shuffled pass reads every row right while reusing the blocks of the cache: no memory per read', () => {
  const values = Float32Array.from({ length: 500 * 300 }, (_, i) => i * 0.5);
  return withFile(new Uint8Array(values.buffer), async (path) => {
    const rows = new FileRows({ dtype: 'float32', shape: [500, 300], path }, 2 * 54 * 1200);
    const buffers = new Set<ArrayBufferLike>();
    for (const r of epochOrder(500, true, 11, 0)) {
      const row = rows.row(r);
      assert.deepEqual(row, values.subarray(r * 300, (r + 1) * 300), `row ${r}`);
      buffers.add(row.buffer);
    }
    assert.ok(rows.blockReads > 300, `a shuffled pass misses the cache on most rows (${rows.blockReads} reads)`);
    // The two blocks of the cache, reused for every read.
    assert.ok(buffers.size <= 2, `${buffers.size} buffers were allocated for ${rows.blockReads} block reads`);
    rows.close();
  });
});

test('a file-backed store gives the same batches as the in-memory one, in this thread and in the prefetch worker', () => {
  const x = images(40, 8, 8, 3);
  const y = classLabels(40, 10);
  return withFile(x.data as Uint8Array, async (path) => {
    const fileX: FileArray = { dtype: 'uint8', shape: x.shape, path };
    const memory = new SampleStore({ x, y }).subset(Int32Array.from({ length: 30 }, (_, i) => i + 5));
    const onDisk = new SampleStore({ x: fileX, y }).subset(Int32Array.from({ length: 30 }, (_, i) => i + 5));
    assert.deepEqual(onDisk.sharedSource().x, fileX, 'the worker is sent the path, not the data');
    const worker = new PrefetchWorker();
    const batches = async (store: SampleStore, prefetch: number) => {
      const out: HostBatch[] = [];
      const stream = createBatchStream({
        store,
        batchSize: 8,
        order: epochOrder(store.size, true, 3, 1),
        preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
        labels: { kind: 'sparse' },
        augment: { flipLeftRight: true, rotation: 10 },
        training: true,
        seed: 3,
        epoch: 1,
        prefetch,
        prefetchWorker: worker,
      });
      for await (const b of stream) out.push(b);
      return out;
    };
    try {
      const expected = await batches(memory, 0);
      assert.deepEqual(await batches(onDisk, 0), expected);
      assert.deepEqual(await batches(onDisk, 2), expected);
    } finally {
      onDisk.close();
      await worker.close();
    }
    assert.equal(livePrefetchWorkers(), 0);
  });
});
