import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNpy } from '../../../src/datasets/formats/npy.ts';
import { assertDatasetError } from '../fixtures/expect-error.ts';
import { encodeNpy, npy, npyElementBytes } from '../fixtures/npy-writer.ts';

describe('parseNpy', () => {
  it('writes headers the way numpy does: data starts on a 64-byte boundary', () => {
    const bytes = npy('<f4', [2, 3], [1, 2, 3, 4, 5, 6]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    assert.equal((10 + headerLength) % 64, 0);
    assert.equal(bytes[10 + headerLength - 1], 0x0a);
  });

  it('round-trips every supported dtype to the documented Kiln dtype', () => {
    const cases: Array<[string, number[], string]> = [
      ['|u1', [0, 7, 255], 'uint8'],
      ['|b1', [1, 0, 1], 'uint8'],
      ['|i1', [-128, 0, 127], 'int32'],
      ['<i2', [-32768, 1, 32767], 'int32'],
      ['<u2', [0, 1, 65535], 'int32'],
      ['<i4', [-2147483648, 1, 2147483647], 'int32'],
      ['<u4', [0, 1, 2147483647], 'int32'],
      ['<i8', [-2147483648, -1, 2147483647], 'int32'],
      ['<u8', [0, 1, 2147483647], 'int32'],
      ['<f4', [-1.5, 0.1, 3e38], 'float32'],
      ['<f8', [-1.5, 0.1, 1e-300], 'float32'],
    ];
    for (const [descr, values, dtype] of cases) {
      const array = parseNpy('a.npy', npy(descr, [3], values));
      assert.equal(array.dtype, dtype, descr);
      assert.deepEqual(array.shape, [3]);
      assert.deepEqual([...array.data], dtype === 'float32' ? values.map(Math.fround) : values, descr);
    }
  });

  it('reads float16 values', () => {
    // 0x3c00 = 1, 0xc000 = -2, 0x3555 ≈ 0.333, 0x7c00 = +inf
    const body = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00]).buffer);
    const array = parseNpy('h.npy', encodeNpy({ descr: '<f2', shape: [4], body }));
    assert.deepEqual([...array.data.subarray(0, 2)], [1, -2]);
    assert.ok(Math.abs(array.data[2]! - 1 / 3) < 1e-3);
    assert.equal(array.data[3], Number.POSITIVE_INFINITY);
  });

  it('keeps multi-dimensional C-order shape and values, for format versions 1, 2 and 3', () => {
    const values = Array.from({ length: 24 }, (_, i) => i - 5);
    for (const version of [1, 2, 3] as const) {
      const bytes = encodeNpy({ descr: '<i4', shape: [2, 3, 4], body: npyElementBytes('<i4', values), version });
      const array = parseNpy('v.npy', bytes);
      assert.deepEqual(array.shape, [2, 3, 4], `version ${version}`);
      assert.deepEqual([...array.data], values);
    }
  });

  it('converts big-endian data', () => {
    assert.deepEqual([...parseNpy('be.npy', npy('>f8', [2], [1.25, -3])).data], [1.25, -3]);
    assert.deepEqual([...parseNpy('be.npy', npy('>i4', [2], [70000, -2])).data], [70000, -2]);
  });

  it('reads a 0-d scalar and an empty array', () => {
    assert.deepEqual(parseNpy('s.npy', npy('<f4', [], [2.5])), {
      dtype: 'float32',
      shape: [],
      data: new Float32Array([2.5]),
    });
    assert.deepEqual(parseNpy('e.npy', npy('<f4', [0, 3], [])).shape, [0, 3]);
  });

  it('refuses an int64 value that does not fit in int32, giving its index', () => {
    const bytes = npy('<i8', [2, 2], [1, 2, 3, 2 ** 40]);
    assertDatasetError(
      () => parseNpy('y_train.npy', bytes),
      'INT_OUT_OF_RANGE',
      'y_train.npy',
      '1099511627776',
      '[1, 1]',
    );
  });

  it('refuses Fortran-order arrays with a fix', () => {
    const bytes = encodeNpy({
      descr: '<f4',
      shape: [2, 2],
      body: npyElementBytes('<f4', [1, 2, 3, 4]),
      fortranOrder: true,
    });
    assertDatasetError(() => parseNpy('x.npy', bytes), 'NPY_FORTRAN_ORDER', 'x.npy', 'ascontiguousarray');
  });

  it('refuses object arrays', () => {
    const bytes = encodeNpy({ descr: '|O', shape: [1], body: new Uint8Array(8) });
    assertDatasetError(() => parseNpy('x.npy', bytes), 'NPY_OBJECT_ARRAY', 'x.npy', "'|O'");
  });

  it('refuses unsupported dtypes, naming them', () => {
    const bytes = encodeNpy({ descr: '<c16', shape: [1], body: new Uint8Array(16) });
    assertDatasetError(() => parseNpy('z.npy', bytes), 'NPY_UNSUPPORTED_DTYPE', 'z.npy', "'<c16'");
  });

  it('refuses a file whose data is shorter than its shape needs', () => {
    const bytes = npy('<f4', [10], new Array(10).fill(1));
    assertDatasetError(
      () => parseNpy('x.npy', bytes.subarray(0, bytes.length - 4)),
      'NPY_TRUNCATED',
      'x.npy',
      '(10)',
      'needs 40',
    );
  });

  it('refuses files without the numpy magic and headers that are not a dict literal', () => {
    assertDatasetError(() => parseNpy('x.npy', new TextEncoder().encode('hello world')), 'NPY_BAD_MAGIC', 'x.npy');
    const bytes = npy('<f4', [1], [1]);
    bytes.set(new TextEncoder().encode("{'descr': __import__"), 10);
    assertDatasetError(() => parseNpy('x.npy', bytes), 'NPY_BAD_HEADER', 'x.npy');
  });
});
