// Loose .npy uploads are ingested as streams: a file far larger than what ingestion holds at a time is
// stored converted (narrowed, byte-swapped, checked) piece by piece, with the same result as parsing it
// whole. Run in-process, to measure memory here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FsArtifactStore } from '../../src/artifacts/fs-artifact-store.ts';
import { ingestDataset } from '../../src/datasets/ingest.ts';
import { parseNpy } from '../../src/datasets/formats/npy.ts';
import { lazyNpy, readNpyStreamHeader } from '../../src/datasets/formats/npy-stream.ts';
import type { DatasetFormatError } from '../../src/datasets/formats/errors.ts';
import { encodeNpy, npy, npyElementBytes } from './fixtures/npy-writer.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveArrayBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** A store that samples live ArrayBuffer memory whenever it reads or writes. */
class MeasuringStore extends FsArtifactStore {
  peakWhileStreaming = 0;
  override async put(key: string, data: Uint8Array | string): Promise<void> {
    this.peakWhileStreaming = Math.max(this.peakWhileStreaming, liveArrayBuffers());
    return super.put(key, data);
  }
  override async get(key: string): Promise<Buffer> {
    const data = await super.get(key);
    this.peakWhileStreaming = Math.max(this.peakWhileStreaming, liveArrayBuffers());
    return data;
  }
  override async putStream(key: string, stream: Readable): Promise<void> {
    const self = this;
    async function* sampled() {
      let n = 0;
      for await (const chunk of stream) {
        if (n++ % 8 === 0) self.peakWhileStreaming = Math.max(self.peakWhileStreaming, liveArrayBuffers());
        yield chunk;
      }
    }
    return super.putStream(key, Readable.from(sampled(), { highWaterMark: 1 }));
  }
}

const ROWS = 8192;
const ROW = 1024;
/** float64 on disk: 64 MB, stored as 32 MB of float32. */
const FILE_BYTES = ROWS * ROW * 8;
const BUDGET = 8 * 2 ** 20;
const value = (row: number, col: number) => ((row * 7 + col) % 1000) / 8;

const limits = { maxUncompressedBytes: 2 ** 31, maxFiles: 100, maxDownloadBytes: 2 ** 31, allowPrivateUrls: false };

describe('loose .npy uploads stream through ingestion', () => {
  let root: string;
  let store: MeasuringStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-npy-stream-'));
    store = new MeasuringStore(join(root, 'artifacts'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  /** Writes an upload into the store's directory a row at a time, never whole in memory. */
  async function upload(id: string, name: string, descr: string, shape: number[], rows: Iterable<number[]>) {
    const dir = join(root, 'artifacts', 'uploads', id);
    await mkdir(dir, { recursive: true });
    const header = encodeNpy({ descr, shape, body: new Uint8Array(0) });
    async function* bytes() {
      yield header;
      for (const row of rows) yield npyElementBytes(descr, row);
    }
    await pipeline(Readable.from(bytes()), createWriteStream(join(dir, name)));
    return `uploads/${id}/${name}`;
  }

  test(`a ${FILE_BYTES / 2 ** 20} MB float64 x.npy ingests holding under ${BUDGET / 2 ** 20} MB, stored as the float32 values`, async () => {
    const rows = function* () {
      for (let r = 0; r < ROWS; r++) yield Array.from({ length: ROW }, (_, c) => value(r, c));
    };
    const keys = [
      await upload('big', 'x.npy', '<f8', [ROWS, ROW], rows()),
      await upload('big', 'y.npy', '<i8', [ROWS], [Array.from({ length: ROWS }, (_, r) => r % 10)]),
    ];
    const baseline = liveArrayBuffers();
    const result = await ingestDataset(
      { datasetId: 'big', name: 'big', source: { kind: 'uploads', keys }, options: {}, limits },
      store,
    );
    const growth = store.peakWhileStreaming - baseline;
    console.log(
      `streamed ${FILE_BYTES / 2 ** 20} MB of .npy: peak live ArrayBuffer growth ${(growth / 2 ** 20).toFixed(2)} MB`,
    );
    assert.ok(growth < BUDGET, `live ArrayBuffers grew by ${growth} bytes, budget ${BUDGET}`);
    assert.deepEqual(result.meta.samples, { train: ROWS });
    assert.deepEqual(result.meta.labelRange, { min: 0, max: 9, integers: true });
    const stored = new Float32Array((await readFile(join(root, 'artifacts', 'datasets', 'big', 'train.x.bin'))).buffer);
    assert.equal(stored.length, ROWS * ROW);
    for (const [r, c] of [
      [0, 0],
      [1, 1023],
      [4097, 5],
      [ROWS - 1, ROW - 1],
    ] as const)
      assert.equal(stored[r * ROW + c], Math.fround(value(r, c)), `row ${r}, column ${c}`);
    // The checksum is the files' bytes in name order, as for uploads read whole.
    assert.equal(result.sizeBytes, FILE_BYTES + 128 + ROWS * 8 + 128);
  });

  test('named arrays stream too, with the value range of their integers recorded', async () => {
    const keys = [
      await upload(
        'named',
        'tokens_train.npy',
        '<i8',
        [3, 4],
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 499],
        ],
      ),
      await upload('named', 'label_train.npy', '<i4', [3], [[0, 2, 1]]),
    ];
    const result = await ingestDataset(
      { datasetId: 'named', name: 'named', source: { kind: 'uploads', keys }, options: {}, limits },
      store,
    );
    const arrays = (result.meta as { arrays: Record<string, unknown> }).arrays;
    assert.deepEqual(arrays.tokens, { dtype: 'int32', shape: [4], range: { min: 1, max: 499, integers: true } });
    assert.deepEqual(arrays.label, { dtype: 'int32', shape: [], range: { min: 0, max: 2, integers: true } });
  });

  test('a bad value deep in the file is refused with its index, and nothing is stored', async () => {
    const rows = function* () {
      for (let r = 0; r < 300; r++) yield Array.from({ length: 64 }, (_, c) => (r === 257 && c === 3 ? NaN : r));
    };
    const keys = [
      await upload('nan', 'x.npy', '<f4', [300, 64], rows()),
      await upload('nan', 'y.npy', '<i4', [300], [Array.from({ length: 300 }, () => 1)]),
    ];
    await assert.rejects(
      ingestDataset({ datasetId: 'nan', name: 'nan', source: { kind: 'uploads', keys }, options: {}, limits }, store),
      (error: DatasetFormatError) =>
        error.code === 'NON_FINITE' && /x\.npy: value NaN at index \[257, 3\] \(flat index 16451\)/.test(error.message),
    );
    assert.deepEqual(await store.list('datasets/nan'), []);
  });
});

describe('a URL is downloaded into the store as a stream, then ingested like an upload', () => {
  let root: string;
  let store: MeasuringStore;
  let server: Server;
  let base: string;
  const x = npy(
    '<f4',
    [2048, 256],
    Array.from({ length: 2048 * 256 }, (_, i) => (i % 97) / 4),
  );
  const sha256 = createHash('sha256').update(x).digest('hex');
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-npy-url-'));
    store = new MeasuringStore(join(root, 'artifacts'));
    server = createServer((_req, res) => {
      // Sent in 64 KB pieces, as a network would deliver it.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      Readable.from(
        (function* () {
          for (let i = 0; i < x.length; i += 65536) yield x.subarray(i, i + 65536);
        })(),
      ).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await rm(root, { recursive: true, force: true });
  });
  const fromUrl = (id: string, overrides: Partial<typeof limits> = {}, expected = sha256) =>
    ingestDataset(
      {
        datasetId: id,
        name: id,
        source: { kind: 'url', url: `${base}/features.npy`, sha256: expected },
        options: {},
        limits: { ...limits, allowPrivateUrls: true, ...overrides },
      },
      store,
    );

  test('a .npy from a URL is stored as a named array, checked against its sha256', async () => {
    const result = await fromUrl('url-ok');
    assert.equal(result.sha256, sha256);
    assert.deepEqual((result.meta as { arrays: Record<string, { shape: number[] }> }).arrays.features!.shape, [256]);
    assert.deepEqual(await store.list('uploads/url-ok'), [], 'the download is removed once ingested');
  });

  test('a download past the limit, or of another checksum, fails and leaves nothing', async () => {
    await assert.rejects(fromUrl('url-big', { maxDownloadBytes: 1024 * 1024 }), /larger than the 1 MB upload limit/);
    await assert.rejects(fromUrl('url-sum', {}, '0'.repeat(64)), /checksum mismatch/);
    for (const id of ['url-big', 'url-sum']) {
      assert.deepEqual(await store.list(`uploads/${id}`), []);
      assert.deepEqual(await store.list(`datasets/${id}`), []);
    }
  });
});

describe('a .npy read in pieces equals the file parsed whole', () => {
  /** A stream of the file in pieces of `size` bytes, splitting items and the header anywhere. */
  const pieces = (bytes: Uint8Array, size: number) => ({
    name: 'a.npy',
    open: async () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        })(),
      ),
  });
  const collect = async (chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    for await (const part of chunks) parts.push(Uint8Array.from(part));
    return Buffer.concat(parts);
  };

  for (const descr of ['|u1', '<i2', '>i4', '<u4', '<i8', '>f4', '<f8', '|b1']) {
    test(`${descr} in pieces of 7 bytes`, async () => {
      const values = Array.from({ length: 60 }, (_, i) => (descr === '|b1' ? i % 2 : (i * 37) % 250));
      const file = npy(descr, [12, 5], values);
      const whole = parseNpy('a.npy', file);
      const source = pieces(file, 7);
      const lazy = lazyNpy(source, await readNpyStreamHeader(source));
      assert.equal(lazy.dtype, whole.dtype);
      assert.deepEqual(lazy.shape, whole.shape);
      const streamed = await collect(lazy.chunks());
      assert.deepEqual(streamed, Buffer.from(whole.data.buffer, whole.data.byteOffset, whole.data.byteLength));
      // Floats of several values per row (features) record no range; integers (token ids, classes) do.
      const range = { min: Math.min(...values), max: Math.max(...values), integers: true };
      assert.deepEqual(lazy.range(), descr.includes('f') ? undefined : range);
    });
  }

  test('an int64 beyond int32 is refused with its index; a short file as truncated', async () => {
    const big = npy('<i8', [4], [1, 2, 2 ** 40, 3]);
    const source = pieces(big, 5);
    const lazy = lazyNpy(source, await readNpyStreamHeader(source));
    await assert.rejects(collect(lazy.chunks()), /a\.npy: value 1099511627776 at index \[2\] does not fit in int32/);
    const short = npy(
      '<f4',
      [10],
      Array.from({ length: 10 }, (_, i) => i),
    ).subarray(0, 128 + 20);
    const cut = pieces(short, 9);
    await assert.rejects(collect(lazyNpy(cut, await readNpyStreamHeader(cut)).chunks()), /a\.npy is truncated/);
  });
});
