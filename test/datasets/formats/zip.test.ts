import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { listZipEntries, readZipEntries } from '../../../src/datasets/formats/zip.ts';

describe('readZipEntries', () => {
  it('yields every requested entry in the requested order, across several small batches', () => {
    const contents = Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`f${i}.bin`, new Uint8Array(100).fill(i)]),
    );
    const zip = zipSync(contents);
    const entries = listZipEntries('z.zip', zip).reverse();
    const read = [...readZipEntries('z.zip', zip, entries, 250)];
    assert.deepEqual(
      read.map((e) => e.name),
      ['f6.bin', 'f5.bin', 'f4.bin', 'f3.bin', 'f2.bin', 'f1.bin', 'f0.bin'],
    );
    assert.ok(read.every((e) => e.data.length === 100 && e.data.every((b) => b === Number(e.name[1]))));
  });
});
