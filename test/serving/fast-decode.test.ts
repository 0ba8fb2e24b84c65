// The fast decoding paths (nested rows copied without per-element messages, flat tensors copied as they
// are) must take exactly what the explaining decoder takes and refuse the rest with its 400s, naming the
// element; answers written as JSON text must equal JSON.stringify's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../src/domain/errors.ts';
import type { ModelSignature } from '../../src/domain/model.ts';
import { decodeInputs } from '../../src/serving/decode-inputs.ts';
import { FlatTensor } from '../../src/serving/flat-tensor.ts';
import { nestedJson, numbersJson } from '../../src/serving/json-numbers.ts';
import { formatTfServingResponse } from '../../src/serving/tf-serving.ts';

const signature = (rowShape: (number | null)[], dtype = 'float32'): ModelSignature => ({
  inputs: [{ name: 'x', shape: [null, ...rowShape], dtype }],
  outputs: [{ name: 'y', shape: [null, 1], dtype: 'float32' }],
});

/** The 400 a body gets: [path, message]. */
function refusal(run: () => unknown): [string, string] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof KilnError, String(error));
    assert.equal(error.code, 'invalid_input');
    const issue = error.issues![0]!;
    return [issue.path, error.message];
  }
  assert.fail('expected a 400');
}

describe('nested rows (TF Serving instances and inputs, Kiln predict)', () => {
  const image = (seed: number) =>
    Array.from({ length: 3 }, (_, i) => Array.from({ length: 2 }, (_, j) => [seed + i * 0.25 + j * 0.125]));

  test('rows of every rank decode to the row-major floats, preprocessing applied', () => {
    const decoded = decodeInputs(
      { instances: [image(1), image(2)] },
      signature([3, 2, 1]),
      { scale: 2, offset: -1 },
      8,
    );
    const expected = [image(1), image(2)].flat(3).map((v) => Math.fround(v * 2 - 1));
    assert.deepEqual(Array.from(decoded.inputs[0]!), expected);
    assert.deepEqual(decoded.rowShapes, [[3, 2, 1]]);

    const scalars = decodeInputs({ instances: [1.5, -2] }, signature([]), null, 8);
    assert.deepEqual(Array.from(scalars.inputs[0]!), [1.5, -2]);
    const columnar = decodeInputs(
      {
        inputs: [
          [1, 2],
          [3, 4],
        ],
      },
      signature([2]),
      { mean: [1, 1], std: [2, 2] },
      8,
    );
    assert.deepEqual(Array.from(columnar.inputs[0]!), [0, 0.5, 1, 1.5]);
  });

  test('ragged rows, strings, NaN, ±Infinity, floats beyond float32 and int32 misfits are 400s naming the element', () => {
    const cases: Array<[unknown, (number | null)[], string, RegExp, string?]> = [
      [[[[1, 2], [3]]], [2, 2], 'instances[0]', /expects rank 2, shape \[2, 2\].*given shape \[2, 2\]/],
      [
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [1, 2, 3],
            [3, 4],
          ],
        ],
        [2, 2],
        'instances[1]',
        /expects rank 2/,
      ],
      [
        [
          [
            [1, '2'],
            [3, 4],
          ],
        ],
        [2, 2],
        'instances[0][0][1]',
        /expected a number \(input "x" is float32\), given a string/,
      ],
      [
        [
          [
            [1, 2],
            [NaN, 4],
          ],
        ],
        [2, 2],
        'instances[0][1][0]',
        /NaN is not a finite number/,
      ],
      [
        [
          [
            [1, 2],
            [3, -Infinity],
          ],
        ],
        [2, 2],
        'instances[0][1][1]',
        /-Infinity is not a finite number/,
      ],
      [
        [
          [
            [1e39, 2],
            [3, 4],
          ],
        ],
        [2, 2],
        'instances[0][0][0]',
        /out of float32 range/,
      ],
      [
        [
          [
            [1, 2],
            [3, null],
          ],
        ],
        [2, 2],
        'instances[0][1][1]',
        /given null/,
      ],
      [[[1.5, 2]], [2], 'instances[0][0]', /input "x" is int32, given 1.5/, 'int32'],
      [[[3e9, 2]], [2], 'instances[0][0]', /3000000000 is out of int32 range/, 'int32'],
    ];
    for (const [instances, rowShape, path, message, dtype] of cases) {
      const [at, text] = refusal(() => decodeInputs({ instances }, signature(rowShape, dtype), null, 8));
      assert.equal(at, path, JSON.stringify(instances));
      assert.match(text, message);
    }
  });
});

describe('flat tensors (Open Inference Protocol, and number rows read by the body scanner)', () => {
  test('as instances: the same answers and refusals as the nested rows', () => {
    const two: ModelSignature = {
      inputs: [
        { name: 'a', shape: [null, 2], dtype: 'float32' },
        { name: 'b', shape: [null, 1], dtype: 'float32' },
      ],
      outputs: [],
    };
    for (const instances of [[], [[1, 2]]]) {
      const flat = new FlatTensor(instances.length ? [1, 2] : [0], instances.flat());
      assert.deepEqual(
        refusal(() => decodeInputs({ instances: flat }, two, null, 8)),
        refusal(() => decodeInputs({ instances }, two, null, 8)),
        JSON.stringify(instances),
      );
    }
    const one = decodeInputs({ instances: new FlatTensor([2, 2], [1, 2, 3, 4]) }, signature([2]), null, 8);
    assert.deepEqual(Array.from(one.inputs[0]!), [1, 2, 3, 4]);
  });

  test('typed and JSON data decode as their nested form would', () => {
    const values = [0.5, 1, 1.5, 2, 2.5, 3];
    for (const data of [
      Float32Array.from(values),
      values,
      Int32Array.from([1, 2, 3, 4, 5, 6]),
      Uint8Array.from([1, 2, 3, 4, 5, 6]),
    ]) {
      const decoded = decodeInputs({ inputs: new FlatTensor([3, 2], data) }, signature([2]), { scale: 0.5 }, 8);
      assert.equal(decoded.count, 3);
      assert.deepEqual(
        Array.from(decoded.inputs[0]!),
        Array.from(data as ArrayLike<number>, (v) => v * 0.5),
      );
    }
    // Named (several inputs) and a free dimension taken from the tensor.
    const named = decodeInputs(
      { inputs: { x: new FlatTensor([2, 3], [1, 2, 3, 4, 5, 6]) } },
      signature([null]),
      null,
      8,
    );
    assert.deepEqual(named.rowShapes, [[3]]);
  });

  test('wrong shapes, NaN and strings are 400s naming the instance and element', () => {
    const cases: Array<[FlatTensor, string, RegExp]> = [
      [new FlatTensor([2, 3], [1, 2, 3, 4, 5, 6]), 'inputs[0]', /expects rank 1, shape \[2\].*given shape \[3\]/],
      [new FlatTensor([6], [1, 2, 3, 4, 5, 6]), 'inputs[0]', /expects rank 1, shape \[2\].*given shape \[\]/],
      [new FlatTensor([3, 2], Float32Array.from([1, 2, 3, NaN, 5, 6])), 'inputs[1][1]', /NaN is not a finite number/],
      [new FlatTensor([3, 2], [1, 2, 3, 4, 'five', 6]), 'inputs[2][0]', /expected a number.*given a string/],
      [new FlatTensor([0, 2], []), 'inputs', /no instances given/],
    ];
    for (const [tensor, path, message] of cases) {
      const [at, text] = refusal(() => decodeInputs({ inputs: tensor }, signature([2]), null, 8));
      assert.equal(at, path, String(message));
      assert.match(text, message);
    }
    const [, tooMany] = refusal(() => {
      try {
        decodeInputs({ inputs: new FlatTensor([9, 2], new Float32Array(18)) }, signature([2]), null, 8);
      } catch (error) {
        // 413 rather than 400, with the setting named.
        assert.equal((error as KilnError).status, 413);
        throw new KilnError('invalid_input', (error as Error).message, { issues: [{ path: 'inputs', message: '' }] });
      }
    });
    assert.match(tooMany, /KILN_PREDICT_MAX_INSTANCES/);
  });
});

describe('answers as JSON text', () => {
  test('numbers, nested rows and TF Serving bodies equal JSON.stringify of the nested arrays', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 ** (i % 7) - 3);
    data[5] = NaN;
    data[6] = Infinity;
    data[7] = -0;
    const nested = (offset: number, shape: number[]): unknown =>
      shape.length === 0
        ? data[offset]
        : Array.from({ length: shape[0]! }, (_, i) =>
            nested(offset + i * shape.slice(1).reduce((a, b) => a * b, 1), shape.slice(1)),
          );
    assert.equal(numbersJson(data), JSON.stringify(Array.from(data)));
    assert.equal(nestedJson(data, [2, 3, 4]), JSON.stringify(nested(0, [2, 3, 4])));
    assert.equal(nestedJson(data, [], 3), JSON.stringify(data[3]));

    const outputs = [
      { name: 'scores', rowShape: [3, 2], data: data.subarray(0, 24) },
      { name: 'value', rowShape: [], data: data.subarray(0, 4) },
    ];
    const row = formatTfServingResponse(outputs, 4, 'row');
    assert.equal(
      row,
      JSON.stringify({ predictions: [0, 1, 2, 3].map((i) => ({ scores: nested(i * 6, [3, 2]), value: data[i] })) }),
    );
    assert.equal(
      formatTfServingResponse([outputs[0]!], 4, 'columnar'),
      JSON.stringify({ outputs: nested(0, [4, 3, 2]) }),
    );
  });
});
