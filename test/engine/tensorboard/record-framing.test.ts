import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskedCrc32c } from '../../../src/engine/tensorboard/crc32c.ts';
import { readRecords } from '../../../src/engine/tensorboard/record-reader.ts';
import { KilnError } from '../../../src/domain/errors.ts';
import { frameRecord } from '../../../src/engine/tensorboard/record-writer.ts';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test('frameRecord lays out length, length crc, data, data crc in little endian', () => {
  const data = new TextEncoder().encode('hello');
  const framed = frameRecord(data);
  const view = new DataView(framed.buffer);
  assert.equal(framed.length, 5 + 16);
  assert.equal(view.getBigUint64(0, true), 5n);
  assert.equal(view.getUint32(8, true), maskedCrc32c(framed.subarray(0, 8)));
  assert.deepEqual(framed.subarray(12, 17), data);
  assert.equal(view.getUint32(17, true), maskedCrc32c(data));
});

test('readRecords returns every record payload in order, including empty ones', () => {
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const stream = concat(...payloads.map(frameRecord));
  assert.deepEqual([...readRecords(stream)], payloads);
});

test('readRecords rejects a flipped bit in the length, the data or a crc', () => {
  const stream = concat(frameRecord(new Uint8Array([1, 2, 3])), frameRecord(new Uint8Array([4, 5, 6])));
  const secondRecord = 19;
  for (const [where, index, message] of [
    ['length', secondRecord + 0, /length CRC mismatch in record at byte 19/],
    ['length crc', secondRecord + 9, /length CRC mismatch/],
    ['data', secondRecord + 13, /data CRC mismatch in record at byte 19/],
    ['data crc', secondRecord + 16, /data CRC mismatch/],
  ] as const) {
    const corrupted = stream.slice();
    corrupted[index] ^= 0x01;
    assert.throws(
      () => [...readRecords(corrupted)],
      (err: Error) => {
        assert.ok(err instanceof KilnError && err.code === 'record_corrupt', where);
        assert.match(err.message, message, where);
        return true;
      },
    );
  }
});

test('readRecords rejects a truncated stream', () => {
  const stream = frameRecord(new Uint8Array(10));
  assert.throws(() => [...readRecords(stream.subarray(0, 5))], /truncated record header/);
  assert.throws(() => [...readRecords(stream.subarray(0, stream.length - 1))], /truncated record data/);
});
