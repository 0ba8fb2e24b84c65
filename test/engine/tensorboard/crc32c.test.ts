import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, maskedCrc32c } from '../../../src/engine/tensorboard/crc32c.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32c matches the standard Castagnoli check values', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('masked crc differs from the plain crc and unmasks back to it (TensorFlow crc32c::Unmask)', () => {
  const unmask = (masked: number) => {
    const rot = (masked - 0xa282ead8) >>> 0;
    return ((rot >>> 17) | (rot << 15)) >>> 0;
  };
  for (const data of [ascii('123456789'), new Uint8Array(32), ascii('brain.Event:2')]) {
    const masked = maskedCrc32c(data);
    assert.notEqual(masked, crc32c(data));
    assert.ok(masked >= 0 && masked <= 0xffffffff);
    assert.equal(unmask(masked), crc32c(data));
  }
});
