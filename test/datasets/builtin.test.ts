import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  BUILTIN_DATASETS,
  loadBuiltinDataset,
  loadBuiltinFrom,
  type BuiltinDataset,
} from '../../src/datasets/builtin.ts';
import { KilnError } from '../../src/domain/errors.ts';
import { cifarArchive } from './fixtures/cifar-writer.ts';
import { digestOf, fashionFiles, mirrorOf } from './fixtures/builtin-mirror.ts';

const files = fashionFiles(30, 10);
const concatSha256 = (list: typeof files) =>
  digestOf('sha256', Buffer.concat([...list].sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => f.data)));

async function withDataDir<T>(body: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-builtin-'));
  try {
    return await body(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('fashion_mnist is declared as Keras has it: four IDX files with the MD5s its authors publish, named classes', () => {
  const fashion = BUILTIN_DATASETS.fashion_mnist!;
  assert.deepEqual(
    fashion.files.map((f) => [f.name, f.digest.algorithm, f.digest.hex]),
    [
      ['train-labels-idx1-ubyte.gz', 'md5', '25c81989df183df01b3e8a0aad5dffbe'],
      ['train-images-idx3-ubyte.gz', 'md5', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ['t10k-labels-idx1-ubyte.gz', 'md5', 'bb300cfdad3c16e7a12a480ee83cd310'],
      ['t10k-images-idx3-ubyte.gz', 'md5', 'bef4ecab320f06d8554ea6380940ec79'],
    ],
  );
  assert.deepEqual(fashion.classes, [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ]);
  assert.deepEqual(BUILTIN_DATASETS.mnist!.files[0]!.digest, {
    algorithm: 'sha256',
    hex: '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1',
  });
});

test('a mirror SHA256SUMS vouches for its files: fashion_mnist loads as train/test splits with class names and the sha256 of its files', () =>
  withDataDir(async (dataDir) => {
    const loaded = await loadBuiltinDataset('fashion_mnist', { dataDir, mirror: await mirrorOf(files) });
    assert.deepEqual(loaded.splits.train!.x.shape, [30, 28, 28, 1]);
    assert.deepEqual(loaded.splits.test!.x.shape, [10, 28, 28, 1]);
    assert.deepEqual(Array.from(loaded.splits.train!.y.data.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.equal(loaded.classes![9], 'Ankle boot');
    assert.equal(loaded.sha256, concatSha256(files));
    assert.deepEqual(
      (await readdir(join(dataDir, 'datasets', 'builtin', 'fashion_mnist'))).sort(),
      files.map((f) => f.name).sort(),
    );
  }));

test('without a SHA256SUMS the published MD5s apply: files that match load, the real definition refuses others and caches nothing', () =>
  withDataDir(async (dataDir) => {
    const mirror = await mirrorOf(files, null);
    // The same definition with the MD5s of these files: the md5 path accepts what matches.
    const ours: BuiltinDataset = {
      ...BUILTIN_DATASETS.fashion_mnist!,
      name: 'fashion_md5',
      files: files.map((f) => ({ name: f.name, digest: { algorithm: 'md5', hex: digestOf('md5', f.data) } })),
    };
    const loaded = await loadBuiltinFrom(ours, { dataDir, mirror });
    assert.equal(loaded.sha256, concatSha256(files));

    // The published MD5s are not these small files': the first file is refused, nothing is cached.
    await assert.rejects(loadBuiltinDataset('fashion_mnist', { dataDir, mirror }), (error: Error) => {
      assert.ok(error instanceof KilnError && error.code === 'checksum_mismatch');
      assert.match(
        error.message,
        /fashion_mnist\/train-labels-idx1-ubyte\.gz: md5 is [0-9a-f]{32}, expected 25c81989df183df01b3e8a0aad5dffbe; the file was refused/,
      );
      return true;
    });
    assert.deepEqual(await readdir(join(dataDir, 'datasets', 'builtin', 'fashion_mnist')), []);
  }));

test('a tampered file is refused against the mirror SHA256SUMS; nothing of the set is cached', () =>
  withDataDir(async (dataDir) => {
    const tampered = files.map((f) => ({ ...f, data: new Uint8Array(f.data) }));
    const images = tampered.find((f) => f.name === 'train-images-idx3-ubyte.gz')!;
    images.data[images.data.length - 20] ^= 0xff;
    await assert.rejects(
      loadBuiltinDataset('fashion_mnist', { dataDir, mirror: await mirrorOf(tampered, files) }),
      /train-images-idx3-ubyte\.gz: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; the file was refused/,
    );
    const cache = join(dataDir, 'datasets', 'builtin', 'fashion_mnist');
    assert.equal(existsSync(join(cache, 'train-images-idx3-ubyte.gz')), false);
    assert.deepEqual(await readdir(cache), []);
  }));

test("cifar10 is Keras 3's: the authors' archive from their origin, checked against Keras' file_hash, through a mirror's SHA256SUMS when there is one", () =>
  withDataDir(async (dataDir) => {
    const cifar = BUILTIN_DATASETS.cifar10!;
    assert.deepEqual(cifar.files, [
      {
        name: 'cifar-10-python.tar.gz',
        digest: { algorithm: 'sha256', hex: '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce' },
      },
    ]);
    assert.equal(cifar.origin, 'https://www.cs.toronto.edu/~kriz/');
    const { archive } = cifarArchive(2);
    const file = [{ name: 'cifar-10-python.tar.gz', data: archive }];
    // Without SHA256SUMS, Keras' hash applies, and this small archive is not the real one.
    await assert.rejects(
      loadBuiltinDataset('cifar10', { dataDir, mirror: await mirrorOf(file, null) }),
      /cifar10\/cifar-10-python\.tar\.gz: sha256 is [0-9a-f]{64}, expected 6d958be0/,
    );
    const loaded = await loadBuiltinDataset('cifar10', { dataDir, mirror: await mirrorOf(file) });
    assert.deepEqual(loaded.splits.train!.x.shape, [10, 32, 32, 3]);
    assert.deepEqual(loaded.splits.test!.x.shape, [2, 32, 32, 3]);
    assert.equal(loaded.classes![0], 'airplane');
    assert.equal(loaded.sha256, digestOf('sha256', archive));
  }));

test("a built-in dataset that cannot be fetched says from where, why, and how to provide a mirror (not a bare 'fetch failed')", () =>
  withDataDir(async (dataDir) => {
    // The origin as on a machine without internet access: nothing answers there (a port just freed).
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    await new Promise((done) => server.close(done));
    const origin = `http://127.0.0.1:${port}/keras/`;
    const offline: BuiltinDataset = { ...BUILTIN_DATASETS.fashion_mnist!, origin };
    const error = await loadBuiltinFrom(offline, { dataDir }).then(
      () => assert.fail('loaded from nowhere'),
      (e: unknown) => e as KilnError,
    );
    assert.ok(error instanceof KilnError, String(error));
    assert.equal(error.code, 'dataset_unavailable');
    assert.ok(error.message.includes(`(${origin}train-labels-idx1-ubyte.gz: fetch failed`), error.message);
    assert.match(error.message, /ECONNREFUSED/);
    assert.match(error.message, /without internet access, set KILN_DATASET_MIRROR/);
    for (const file of offline.files) assert.ok(error.message.includes(file.name), file.name);
    assert.match(error.message, /SHA256SUMS/);
    // A mirror directory without the files names the path it looked at.
    const mirror = join(dataDir, 'empty-mirror');
    const missing = await loadBuiltinDataset('mnist', { dataDir, mirror }).then(
      () => assert.fail('loaded from an empty mirror'),
      (e: unknown) => e as KilnError,
    );
    assert.match(missing.message, new RegExp(`KILN_DATASET_MIRROR=${mirror}.*${join(mirror, 'mnist.npz')}.*ENOENT`));
    assert.match(
      missing.message,
      /KILN_DATASET_MIRROR must be a directory or http\(s\) base URL that holds mnist\.npz/,
    );
    assert.deepEqual(await readdir(join(dataDir, 'datasets', 'builtin', 'mnist')), [], 'nothing cached');
  }));
