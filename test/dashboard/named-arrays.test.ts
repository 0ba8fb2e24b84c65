// How the dataset page reads a named array (web/src/lib/named-arrays.ts): pure, so tested without a browser.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayKind, imagePixels, samplesToRead, valuesText } from '../../web/src/lib/named-arrays.ts';

const integers = { min: 0, max: 9, integers: true };

describe('named arrays on the dataset page', () => {
  test('images are h×w×1|3 (any dtype) or uint8 h×w; token ids are integer sequences with a range; the rest numbers', () => {
    assert.equal(arrayKind({ dtype: 'float32', shape: [224, 224, 3], range: null }), 'image');
    assert.equal(arrayKind({ dtype: 'uint8', shape: [28, 28], range: integers }), 'image');
    assert.equal(
      arrayKind({ dtype: 'float32', shape: [10, 4], range: null }),
      'numbers',
      'a float matrix is not an image',
    );
    assert.equal(arrayKind({ dtype: 'int32', shape: [20], range: integers }), 'tokens');
    assert.equal(arrayKind({ dtype: 'int32', shape: [], range: integers }), 'numbers', 'a class index');
    assert.equal(arrayKind({ dtype: 'float32', shape: [3], range: null }), 'numbers');
  });

  test('a float image is stretched from its own min to max; gray repeats in red, green and blue', () => {
    assert.deepEqual(
      [...imagePixels([-1, 0, 1, 1], [2, 2, 1])],
      [0, 0, 0, 255, 128, 128, 128, 255, ...Array(2).fill([255, 255, 255, 255]).flat()],
    );
    assert.deepEqual([...imagePixels([0, 0.5, 1], [1, 1, 3])], [0, 128, 255, 255]);
    assert.deepEqual(
      [...imagePixels([3, 3], [1, 2, 1])],
      [0, 0, 0, 255, 0, 0, 0, 255],
      'a flat image is black, not NaN',
    );
  });

  test('values: integers whole, others to 4 significant digits, long rows cut with their length', () => {
    assert.equal(valuesText(2), '2');
    assert.equal(valuesText(0.123456), '0.1235');
    assert.equal(valuesText([1, 2, 3]), '[1, 2, 3]');
    assert.equal(valuesText([1, 2, 3, 4], 2), '[1, 2, … 4 values]');
    assert.equal(valuesText(undefined), '—');
  });

  test('large float samples are read 8 at a time (the api sends them as JSON numbers), others 24', () => {
    assert.equal(samplesToRead({ image: { dtype: 'uint8', shape: [224, 224, 3], range: integers } }), 24);
    assert.equal(samplesToRead({ image: { dtype: 'float32', shape: [224, 224, 3], range: null } }), 8);
    assert.equal(samplesToRead({ text: { dtype: 'int32', shape: [6], range: integers } }), 24);
  });
});
