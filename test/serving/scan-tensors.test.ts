// The predict-body scanner lifts number arrays at tensor positions into flat tensors holding exactly
// the numbers JSON.parse reads, and gives up (undefined) on anything it cannot vouch for, so that the
// ordinary parser and its errors take those bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlatTensor } from '../../src/serving/flat-tensor.ts';
import { scanTensors } from '../../src/serving/scan-tensors.ts';

const scan = (text: string) => scanTensors(Buffer.from(text));

test('numbers are read as JSON.parse reads them, whatever their spelling', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const spellings = [
    ...Array.from({ length: 300 }, () => String(random())),
    ...Array.from({ length: 100 }, () => random().toFixed(3)),
    ...Array.from({ length: 100 }, () => (random() * 1e6).toExponential(9)),
    '0',
    '-0',
    '0.0',
    '123456789012345678901234567890',
    '0.1234567890123456789012345',
    '9007199254740993',
    '1E-7',
    '-2.5e+3',
    '1e400',
    '5e-324',
  ];
  const text = `{"instances": [${spellings.join(', ')}]}`;
  const scanned = scan(text)!;
  const expected = (JSON.parse(text) as { instances: number[] }).instances;
  const got = scanned.tensors[0]!.tensor.data as number[];
  assert.equal(got.length, expected.length);
  expected.forEach((v, i) => assert.ok(Object.is(got[i], v), `${spellings[i]}: ${got[i]} vs ${v}`));
  assert.equal(scanned.rest, '{"instances": null}');
});

test('tensors at every predict position, shapes from the nesting; other arrays are left in the text', () => {
  const tfs = scan('{"signature_name": "serving_default", "instances": [[[1], [2]], [[3], [4]]]}')!;
  assert.deepEqual(tfs.tensors[0]!.path, ['instances']);
  assert.deepEqual(tfs.tensors[0]!.tensor.shape, [2, 2, 1]);
  assert.equal(tfs.rest, '{"signature_name": "serving_default", "instances": null}');

  const named = scan('{"inputs": {"a": [[1, 2]], "b": [[[5]]]}}')!;
  assert.deepEqual(
    named.tensors.map((t) => [t.path, t.tensor.shape]),
    [
      [
        ['inputs', 'a'],
        [1, 2],
      ],
      [
        ['inputs', 'b'],
        [1, 1, 1],
      ],
    ],
  );

  const v2 = scan(
    '{"id": "7", "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3, 4]},' +
      ' {"name": "y", "shape": [2], "datatype": "INT32", "data": [[5], [6]]}], "outputs": [{"name": "z"}]}',
  )!;
  assert.deepEqual(
    v2.tensors.map((t) => [t.path, t.tensor.shape]),
    [
      [['inputs', 0, 'data'], [4]],
      [
        ['inputs', 1, 'data'],
        [2, 1],
      ],
    ],
  );
  assert.match(v2.rest, /"shape": \[2, 2\]/, 'shapes stay plain arrays');
  assert.ok(v2.tensors.every((t) => t.tensor instanceof FlatTensor));

  // Images, mixed rows and nothing at a tensor position: nothing lifted, nothing given up.
  assert.equal(scan('{"instances": [{"b64": "iVBO"}]}'), undefined);
  assert.equal(scan('{"instances": [{"a": [1, 2]}]}'), undefined);
  assert.equal(scan('{"topK": 3, "shape": [1, 2]}'), undefined);
  const empty = scan('{"instances": [[], []]}')!;
  assert.deepEqual(empty.tensors[0]!.tensor.shape, [2, 0]);
});

test('ragged, malformed or too deep arrays, and strings, make it give up for the ordinary parser', () => {
  for (const body of [
    '{"instances": [[1, 2], [3]]}',
    '{"instances": [[1, 2], 3]}',
    '{"instances": [1, [2]]}',
    '{"instances": [[1], [[2]]]}',
    '{"instances": [1, 2,]}',
    '{"instances": [, 1]}',
    '{"instances": [1 2]}',
    '{"instances": [01]}',
    '{"instances": [1.]}',
    '{"instances": [.5]}',
    '{"instances": [+1]}',
    '{"instances": [1e]}',
    '{"instances": [NaN]}',
    '{"instances": [Infinity]}',
    '{"instances": [1, "2"]}',
    '{"instances": [1, null]}',
    '{"instances": [1, 2',
    // Repeated keys: JSON.parse keeps the last value, whatever it is.
    '{"instances": [1], "instances": null}',
    '{"inputs": [{"data": [1], "data": [2]}]}',
    `{"instances": ${'['.repeat(40)}1${']'.repeat(40)}}`,
  ]) {
    const scanned = scan(body);
    assert.ok(scanned === undefined, `${body.slice(0, 60)} was lifted: ${JSON.stringify(scanned)}`);
  }
});
