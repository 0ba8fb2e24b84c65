import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createBatchStream,
  epochOrder,
  livePrefetchWorkers,
  PrefetchWorker,
  resolvePreprocess,
  SampleStore,
  usesWorker,
  type BatchStreamOptions,
  type HostBatch,
} from '../../../src/engine/data/index.ts';
import { classLabels, imageStore, images } from './fixtures.ts';

const store = imageStore(40, 3, 10);
const augment = {
  flipLeftRight: true,
  flipUpDown: true,
  brightness: 0.1,
  contrast: [0.8, 1.2] as [number, number],
  crop: { padding: 2 },
  rotation: 15,
  zoom: 0.1,
};

function options(overrides: Partial<BatchStreamOptions> = {}): BatchStreamOptions {
  const seed = overrides.seed ?? 7;
  const epoch = overrides.epoch ?? 1;
  return {
    store,
    batchSize: 16,
    order: epochOrder(store.size, true, seed, epoch),
    preprocess: resolvePreprocess({ scale: 1 / 255 }, store),
    labels: { kind: 'oneHot', numClasses: 10 },
    augment,
    training: true,
    seed,
    epoch,
    prefetch: 0,
    ...overrides,
  };
}

async function collect(stream: AsyncIterable<HostBatch>): Promise<HostBatch[]> {
  const batches: HostBatch[] = [];
  for await (const b of stream) batches.push(b);
  return batches;
}

/** The batches' bytes, so comparisons are exact (NaN-safe, −0 ≠ 0). */
function bytes(batches: HostBatch[]): Buffer[] {
  return batches.flatMap((b) => [Buffer.from(b.x.buffer), Buffer.from(b.y.buffer)]);
}

test('an epoch is ceil(n / batchSize) batches with the last one partial, shaped for the loop', async () => {
  const batches = await collect(createBatchStream(options()));
  assert.deepEqual(
    batches.map((b) => [b.index, b.size]),
    [
      [0, 16],
      [1, 16],
      [2, 8],
    ],
  );
  assert.deepEqual(batches[2]!.xShape, [8, 8, 8, 3]);
  assert.deepEqual(batches[2]!.yShape, [8, 10]);
  assert.equal(batches[2]!.x.length, 8 * 8 * 8 * 3);
});

test('the same seed gives identical batches; another seed or epoch gives different ones', async () => {
  const a = bytes(await collect(createBatchStream(options())));
  assert.deepEqual(bytes(await collect(createBatchStream(options()))), a);
  assert.notDeepEqual(bytes(await collect(createBatchStream(options({ seed: 8 })))), a);
  assert.notDeepEqual(bytes(await collect(createBatchStream(options({ epoch: 2 })))), a);
});

test('starting at batch k yields exactly batches k.. of a full pass, augmentation included, in both paths', async () => {
  for (const prefetch of [0, 2]) {
    const full = await collect(createBatchStream(options({ prefetch })));
    const resumed = await collect(createBatchStream(options({ prefetch, startBatch: 1 })));
    assert.deepEqual(
      resumed.map((b) => b.index),
      [1, 2],
    );
    assert.deepEqual(bytes(resumed), bytes(full.slice(1)));
    assert.deepEqual(await collect(createBatchStream(options({ prefetch, startBatch: 3 }))), []);
  }
  assert.throws(() => createBatchStream(options({ startBatch: 4 })), /startBatch must be an integer in \[0, 3\]/);
});

test('a stream with training: false ignores augment and returns the preprocessed samples in order', async () => {
  const order = epochOrder(store.size, true, 7, 1);
  const [batch] = await collect(createBatchStream(options({ training: false, prefetch: 2 })));
  const d = store.featureSize;
  for (const s of [0, 5, 15]) {
    const raw = store.x.data.subarray(order[s]! * d, (order[s]! + 1) * d);
    assert.deepEqual(
      batch!.x.subarray(s * d, (s + 1) * d),
      Float32Array.from(raw, (v) => v * (1 / 255)),
    );
    assert.equal(batch!.y[s * 10 + (order[s]! % 10)], 1);
  }
  assert.equal(usesWorker(options({ training: false, prefetch: 2 })), false);
});

test('the prefetch worker yields byte-identical batches to the in-thread path', async () => {
  const standardized = options({
    preprocess: resolvePreprocess({ standardize: true }, store),
    labels: { kind: 'sparse' },
  });
  const worker = { ...standardized, prefetch: 2 };
  assert.equal(usesWorker(worker), true);
  const viaWorker = await collect(createBatchStream(worker));
  const inThread = await collect(createBatchStream(standardized));
  assert.deepEqual(bytes(viaWorker), bytes(inThread));
  assert.deepEqual(
    viaWorker.map((b) => [b.index, b.xShape, b.yShape]),
    inThread.map((b) => [b.index, b.xShape, b.yShape]),
  );
  assert.equal(livePrefetchWorkers(), 0, 'the worker is gone once the epoch is over');
});

test('closing the stream early terminates its worker', async () => {
  const stream = createBatchStream(options({ prefetch: 2 }));
  for await (const batch of stream) {
    assert.equal(batch.index, 0);
    assert.equal(livePrefetchWorkers(), 1);
    break; // for-await calls return()
  }
  assert.equal(livePrefetchWorkers(), 0);
});

test("one PrefetchWorker serves a run's epochs, survives an early-closed stream, and stops on close()", async () => {
  const thread = new PrefetchWorker();
  try {
    for await (const batch of createBatchStream(options({ prefetch: 2, prefetchWorker: thread }))) {
      assert.equal(batch.index, 0);
      break; // leaves batches 1 and 2 queued on the worker
    }
    for (const epoch of [1, 2]) {
      const shared = await collect(createBatchStream(options({ epoch, prefetch: 2, prefetchWorker: thread })));
      assert.deepEqual(bytes(shared), bytes(await collect(createBatchStream(options({ epoch })))));
    }
    assert.equal(livePrefetchWorkers(), 1);
  } finally {
    await thread.close();
  }
  assert.equal(livePrefetchWorkers(), 0);
  await assert.rejects(
    collect(createBatchStream(options({ prefetch: 2, prefetchWorker: thread }))),
    /prefetch worker is closed/,
  );
});

test('an error while building a prefetched batch surfaces in the consumer and stops the worker', async () => {
  // Labels 0..9 but only 5 classes declared: batch 0 already holds label 5.
  const bad = new SampleStore({ x: images(20, 8, 8, 1), y: classLabels(20, 10) });
  const stream = createBatchStream(
    options({ store: bad, order: epochOrder(20, false, 0, 0), labels: { kind: 'oneHot', numClasses: 5 }, prefetch: 2 }),
  );
  await assert.rejects(collect(stream), /label 5, not a class index in \[0, 5\)/);
  assert.equal(livePrefetchWorkers(), 0);
});

test('bad options fail when the stream is created, not mid-epoch', () => {
  assert.throws(() => createBatchStream(options({ batchSize: 0 })), /batchSize/);
  assert.throws(
    () =>
      createBatchStream(
        options({
          store: new SampleStore({
            x: { dtype: 'uint8', shape: [40, 192], data: new Uint8Array(40 * 192) },
            y: classLabels(40, 10),
          }),
        }),
      ),
    /image samples/,
  );
  assert.throws(() => createBatchStream(options({ order: Int32Array.of(40) })), /order must hold positions/);
});
