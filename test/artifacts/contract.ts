import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { isArtifactNotFound, type ArtifactStore } from '../../src/artifacts/artifact-store.ts';
import type { KilnError } from '../../src/domain/errors.ts';
import { failingStream, generatedStream, sha256Of } from './streams.ts';

const MiB = 1024 * 1024;

/** A fresh, empty store for one test, and how to dispose of it. */
export type MakeArtifactStore = () => Promise<{ store: ArtifactStore; cleanup(): Promise<void> }>;

/** Registers the behaviour every ArtifactStore must have, run against stores built by `make`. */
export function artifactStoreContract(name: string, make: MakeArtifactStore): void {
  describe(`${name} (ArtifactStore contract)`, () => {
    let store: ArtifactStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    test('put then get returns the same bytes and strings', async () => {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('runs/r1/weights.bin', bytes);
      await store.put('runs/r1/notes.txt', 'héllo ✓ kiln');

      assert.deepEqual(new Uint8Array(await store.get('runs/r1/weights.bin')), bytes);
      assert.equal((await store.get('runs/r1/notes.txt')).toString('utf8'), 'héllo ✓ kiln');
      assert.equal(
        await sha256Of(await store.getStream('runs/r1/weights.bin')),
        await sha256Of(Readable.from([Buffer.from(bytes)])),
      );
    });

    test('putStream stores a multi-megabyte stream intact', async () => {
      const source = generatedStream(12 * MiB);
      await store.putStream('runs/r1/model/weights.bin', source.stream);

      assert.equal(await store.size('runs/r1/model/weights.bin'), 12 * MiB);
      assert.equal(await sha256Of(await store.getStream('runs/r1/model/weights.bin')), source.sha256());
    });

    test('writing a key again replaces its content', async () => {
      await store.put('runs/r1/model.json', 'first version, longer');
      await store.put('runs/r1/model.json', 'second');
      assert.equal((await store.get('runs/r1/model.json')).toString(), 'second');

      await store.putStream('runs/r1/model.json', Readable.from([Buffer.from('third')]));
      assert.equal((await store.get('runs/r1/model.json')).toString(), 'third');
      assert.equal(await store.size('runs/r1/model.json'), 5);
      assert.deepEqual(await store.list('runs/r1'), ['runs/r1/model.json']);
    });

    test('exists and size describe stored artifacts only', async () => {
      assert.equal(await store.exists('runs/r1/a.txt'), false);
      await store.put('runs/r1/a.txt', 'four');
      await store.put('runs/r1/empty', '');

      assert.equal(await store.exists('runs/r1/a.txt'), true);
      assert.equal(await store.size('runs/r1/a.txt'), 4);
      assert.equal(await store.exists('runs/r1/empty'), true);
      assert.equal(await store.size('runs/r1/empty'), 0);
      assert.equal(await store.exists('runs/r1'), false, 'a prefix with artifacts under it is not itself an artifact');
    });

    test('list returns the keys under a prefix, sorted and relative to the store root', async () => {
      for (const key of [
        'runs/a/weights/w1.bin',
        'runs/a/model.json',
        'runs/a/weights/w0.bin',
        'runs/ab/model.json',
        'runs/b',
        'datasets/d1',
      ]) {
        await store.put(key, key);
      }
      const underA = ['runs/a/model.json', 'runs/a/weights/w0.bin', 'runs/a/weights/w1.bin'];

      assert.deepEqual(await store.list('runs/a'), underA, 'runs/ab is a sibling, not under runs/a');
      assert.deepEqual(await store.list('runs/a/'), underA);
      assert.deepEqual(await store.list('runs/a/weights'), ['runs/a/weights/w0.bin', 'runs/a/weights/w1.bin']);
      assert.deepEqual(await store.list('runs'), [...underA, 'runs/ab/model.json', 'runs/b']);
      assert.deepEqual(await store.list('runs/none'), []);
    });

    test('deletePrefix removes everything under that prefix and nothing else', async () => {
      for (const key of ['runs/a/model.json', 'runs/a/weights/w0.bin', 'runs/ab/model.json', 'runs/b'])
        await store.put(key, key);

      await store.deletePrefix('runs/a');

      assert.deepEqual(await store.list('runs'), ['runs/ab/model.json', 'runs/b']);
      assert.equal(await store.exists('runs/a/model.json'), false);
      await assert.rejects(store.get('runs/a/weights/w0.bin'), isArtifactNotFound);
      await store.deletePrefix('runs/never-existed');
    });

    test("deletePrefix of an artifact's own key removes that artifact", async () => {
      await store.put('runs/b', 'b');
      await store.put('runs/bc', 'bc');
      await store.deletePrefix('runs/b');
      assert.deepEqual(await store.list('runs'), ['runs/bc']);
    });

    test('list and deletePrefix handle more than a thousand keys', async () => {
      const keys = Array.from({ length: 1005 }, (_, i) => `runs/many/logs/${String(i).padStart(4, '0')}.json`);
      for (let i = 0; i < keys.length; i += 50)
        await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, '{}')));
      await store.put('runs/kept', 'kept');

      assert.deepEqual(await store.list('runs/many'), keys);
      await store.deletePrefix('runs/many');
      assert.deepEqual(await store.list('runs'), ['runs/kept']);
    });

    test('get, getStream and size of a missing key throw artifact_not_found', async () => {
      await store.put('runs/r1/present', 'x');
      const reads: [string, (key: string) => Promise<unknown>][] = [
        ['get', (key) => store.get(key)],
        ['getStream', (key) => store.getStream(key)],
        ['size', (key) => store.size(key)],
      ];
      for (const [method, read] of reads) {
        await assert.rejects(read('runs/r1/missing'), (error: unknown) => {
          assert.ok(isArtifactNotFound(error), `${method}: ${String(error)}`);
          assert.deepEqual((error as KilnError).details, { key: 'runs/r1/missing' });
          return true;
        });
      }
    });

    test('keys that could escape the store are rejected by every method', async () => {
      for (const key of ['../x', 'runs/../../x', '/abs', 'a//b', 'a/./b', '']) {
        const attempts: [string, () => Promise<unknown>][] = [
          ['put', () => store.put(key, 'x')],
          ['putStream', () => store.putStream(key, Readable.from([Buffer.from('x')]))],
          ['get', () => store.get(key)],
          ['getStream', () => store.getStream(key)],
          ['exists', () => store.exists(key)],
          ['size', () => store.size(key)],
          ['list', () => store.list(key)],
          ['deletePrefix', () => store.deletePrefix(key)],
        ];
        for (const [method, attempt] of attempts) {
          await assert.rejects(attempt(), /unsafe artifact key/, `${method}(${JSON.stringify(key)})`);
        }
      }
    });

    test('a putStream whose source fails midway leaves nothing under the key', async () => {
      // Past the 5 MiB minimum part, so an object store has started a multipart upload when the source breaks.
      const broken = failingStream(6 * MiB, new Error('client went away'));
      await assert.rejects(store.putStream('runs/r1/model/weights.bin', broken), /client went away/);

      assert.equal(await store.exists('runs/r1/model/weights.bin'), false);
      await assert.rejects(store.get('runs/r1/model/weights.bin'), isArtifactNotFound);
      assert.deepEqual(await store.list('runs/r1'), []);
    });

    test('a putStream whose source fails midway keeps the previous artifact', async () => {
      await store.put('runs/r1/model.json', 'previous');
      await assert.rejects(
        store.putStream('runs/r1/model.json', failingStream(6 * MiB, new Error('client went away'))),
        /client went away/,
      );
      assert.equal((await store.get('runs/r1/model.json')).toString(), 'previous');
    });
  });
}
