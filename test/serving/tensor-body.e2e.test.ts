// Predict bodies read by the tensor scanner, through the real api: the answers equal those of the
// same numbers parsed by JSON.parse (the GET route's query), to the bit, on every route family, and
// bodies the scanner gives up on get the ordinary parser's 400s (ragged rows, strings, NaN, bad JSON,
// nesting beyond the app's limit, NULs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';
import { classifier, registerModel } from './fixtures.ts';

describe('predict bodies read by the tensor scanner', () => {
  const api = inProcessApi();

  const post = async (url: string, payload: string) => {
    const response = await api.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    return { status: response.statusCode, body: response.json() as any };
  };

  test('every route answers the scanned numbers as JSON.parse would read them', async () => {
    await registerModel(api.app, classifier(3), { name: 'iris' });
    // Spellings the scanner reads exactly and ones it hands to the engine (exponents, long mantissas).
    const rows = ['[0.1, -2.5, 3, 4.25]', '[1e-3, 2.5E+1, -0, 123456789.123456789]', '[0.30000000000000004, 7, -8, 9]'];
    const instances = `[${rows.join(', ')}]`;
    const viaQuery = await api.app.inject({
      method: 'GET',
      url: `/models/iris/predict?instances=${encodeURIComponent(instances)}`,
    });
    assert.equal(viaQuery.statusCode, 200, viaQuery.body);
    const expected = (viaQuery.json() as any).predictions;

    const kiln = await post('/models/iris/predict', `{"instances": ${instances}}`);
    assert.equal(kiln.status, 200, JSON.stringify(kiln.body));
    assert.deepEqual(kiln.body.predictions, expected, 'the same answer, to the bit');

    const columnar = await post('/v1/models/iris:predict', `{"inputs": ${instances}}`);
    assert.deepEqual(
      columnar.body.outputs,
      expected.map((p: any) => p.values),
    );
    const rowsTfs = await post(
      '/v1/models/iris:predict',
      `{"signature_name": "serving_default", "instances": ${instances}}`,
    );
    assert.deepEqual(
      rowsTfs.body.predictions,
      expected.map((p: any) => p.values),
    );

    const input = ((await api.app.inject({ method: 'GET', url: '/v2/models/iris' })).json() as any).inputs[0].name;
    const v2 = await post(
      '/v2/models/iris/infer',
      `{"inputs": [{"name": ${JSON.stringify(input)}, "shape": [3, 4], "datatype": "FP32", "data": ${instances}}]}`,
    );
    assert.equal(v2.status, 200, JSON.stringify(v2.body));
    assert.deepEqual(
      v2.body.outputs[0].data,
      expected.flatMap((p: any) => p.values),
    );
  });

  test('bodies the scanner gives up on get the ordinary 400s', async () => {
    const deep = `${'['.repeat(70)}1${']'.repeat(70)}`;
    const cases: Array<[string, string, RegExp]> = [
      [
        '/models/iris/predict',
        '{"instances": [[1, 2, 3, 4], [1, 2, 3]]}',
        /instances\[1\]: input "\w+" expects rank 1, shape \[4\]/,
      ],
      ['/models/iris/predict', '{"instances": [[1, 2, "3", 4]]}', /instances\[0\]\[2\]: expected a number/],
      [
        '/models/iris/predict',
        '{"instances": [[1, 2, 1e39, 4]]}',
        /instances\[0\]\[2\]: 1e\+39 is out of float32 range/,
      ],
      ['/models/iris/predict', '{"instances": [[1, 2, NaN, 4]]}', /JSON|Unexpected token/],
      ['/models/iris/predict', '{"instances": [[1, 2, 3, 4],]}', /JSON|Unexpected token/],
      ['/models/iris/predict', `{"instances": ${deep}}`, /instances: nests arrays or objects more than 64 levels deep/],
      ['/models/iris/predict', '{"instances": [[1, 2, 3, 4]], "to\\u0000pK": 1}', /NUL character/],
      [
        '/v1/models/iris:predict',
        '{"instances": [[1, 2, 3, 4], [1, 2]]}',
        /instances\[1\]: input "\w+" expects rank 1/,
      ],
      [
        '/v1/models/iris:predict',
        '{"inputs": [[1, 2, 3, 4]], "instances": [[1, 2, 3, 4]]}',
        /Not allowed to specify both/,
      ],
      [
        '/v2/models/iris/infer',
        '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3]}]}',
        /is not an input|value\(s\) for shape/,
      ],
    ];
    for (const [url, payload, message] of cases) {
      const { status, body } = await post(url, payload);
      assert.equal(status, 400, `${payload.slice(0, 70)}: ${JSON.stringify(body)}`);
      const text = typeof body.error === 'string' ? body.error : body.error.message;
      assert.match(text, message, payload.slice(0, 70));
    }
  });
});
