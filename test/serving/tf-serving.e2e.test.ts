// Replays request and response bodies written from TensorFlow Serving's REST API documentation
// (https://www.tensorflow.org/tfx/serving/api_rest). tfjs models take no scalar rows, so the documented
// half_plus_three takes x of shape [1] here: its instances are [[1.0], [2.0], [5.0]] where the docs send
// [1.0, 2.0, 5.0]; its output y is a scalar per row, so the predictions are the documented ones exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request } from '../helpers/http.ts';
import { halfPlusThree, multiOutput, registerModel } from './fixtures.ts';

describe('TensorFlow Serving REST API, as documented', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
    await registerModel(api.app, halfPlusThree(), { name: 'half_plus_three' });
    await registerModel(api.app, multiOutput(), { name: 'signals' });
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const raw = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  test('predict, row format: {"instances": ...} → {"predictions": ...}', async () => {
    const { status, body } = await raw(
      'POST',
      '/v1/models/half_plus_three:predict',
      '{"instances": [[1.0], [2.0], [5.0]]}',
    );
    assert.equal(status, 200);
    assert.deepEqual(body, { predictions: [3.5, 4.0, 5.5] });
    const versioned = await raw(
      'POST',
      '/v1/models/half_plus_three/versions/1:predict',
      '{"signature_name": "serving_default", "instances": [[1.0], [2.0], [5.0]]}',
    );
    assert.deepEqual(versioned.body, { predictions: [3.5, 4.0, 5.5] });
  });

  test('predict, columnar format: {"inputs": ...} → {"outputs": ...}', async () => {
    const { body } = await raw('POST', '/v1/models/half_plus_three:predict', '{"inputs": [[1.0], [2.0], [5.0]]}');
    assert.deepEqual(body, { outputs: [3.5, 4.0, 5.5] });
    const named = await raw('POST', '/v1/models/half_plus_three:predict', '{"inputs": {"x": [[1.0], [2.0], [5.0]]}}');
    assert.deepEqual(named.body, { outputs: [3.5, 4.0, 5.5] });
  });

  test('several named inputs and outputs: the documented signal/sensor request in both formats', async () => {
    // From the docs' row-format example (its string "tag" input left out: Kiln models take numbers).
    const row = await raw(
      'POST',
      '/v1/models/signals:predict',
      '{"instances": [{"signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]}, {"signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}',
    );
    assert.equal(row.status, 200, JSON.stringify(row.body));
    assert.equal(row.body.predictions.length, 2);
    for (const p of row.body.predictions) {
      assert.deepEqual(Object.keys(p).sort(), ['scores', 'value'], 'a list of objects, one key per named output');
      assert.equal(p.scores.length, 3);
      assert.equal(p.value.length, 1);
    }
    const columnar = await raw(
      'POST',
      '/v1/models/signals:predict',
      '{"inputs": {"signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]], "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}',
    );
    assert.deepEqual(Object.keys(columnar.body.outputs).sort(), ['scores', 'value']);
    assert.deepEqual(
      columnar.body.outputs.scores,
      row.body.predictions.map((p: any) => p.scores),
    );
    assert.deepEqual(
      columnar.body.outputs.value,
      row.body.predictions.map((p: any) => p.value),
    );
  });

  test('model status: GET /v1/models/:name', async () => {
    await raw('POST', '/v1/models/half_plus_three:predict', '{"instances": [[1.0]]}');
    const { status, body } = await raw('GET', '/v1/models/half_plus_three');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
    });
    assert.deepEqual((await raw('GET', '/v1/models/half_plus_three/versions/1')).body, body);
  });

  test('model status: a version not yet loaded reports LOADING or START, then AVAILABLE once warmed up', async () => {
    const first = await raw('GET', '/v1/models/signals');
    assert.ok(
      ['START', 'LOADING', 'AVAILABLE'].includes(first.body.model_version_status[0].state),
      JSON.stringify(first.body),
    );
    let state = first.body.model_version_status[0].state;
    for (let i = 0; i < 50 && state !== 'AVAILABLE'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = (await raw('GET', '/v1/models/signals')).body.model_version_status[0].state;
    }
    assert.equal(state, 'AVAILABLE');
  });

  test('model metadata: GET /v1/models/:name/metadata', async () => {
    const { status, body } = await raw('GET', '/v1/models/half_plus_three/metadata');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      model_spec: { name: 'half_plus_three', signature_name: '', version: '1' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: {
                x: {
                  dtype: 'DT_FLOAT',
                  tensor_shape: {
                    dim: [
                      { size: '-1', name: '' },
                      { size: '1', name: '' },
                    ],
                    unknown_rank: false,
                  },
                  name: 'x:0',
                },
              },
              outputs: {
                y: {
                  dtype: 'DT_FLOAT',
                  tensor_shape: { dim: [{ size: '-1', name: '' }], unknown_rank: false },
                  name: 'y:0',
                },
              },
              method_name: 'tensorflow/serving/predict',
            },
          },
        },
      },
    });
  });

  test('errors: {"error": <message>} with the status of the failure', async () => {
    const cases: Array<[string, string, string | undefined, number]> = [
      ['POST', '/v1/models/half_plus_three:predict', '{"instances": [[1.0, 2.0]]}', 400],
      ['POST', '/v1/models/half_plus_three:predict', '{"instances": [["a"]]}', 400],
      ['POST', '/v1/models/half_plus_three:predict', '{"inputs": [[1.0]], "instances": [[1.0]]}', 400],
      [
        'POST',
        '/v1/models/half_plus_three:predict',
        '{"signature_name": "classify_x_to_y", "instances": [[1.0]]}',
        400,
      ],
      ['POST', '/v1/models/half_plus_three:predict', '{"instances": [[1.0]', 400],
      ['POST', '/v1/models/half_plus_three:classify', '{"examples": []}', 400],
      ['POST', '/v1/models/no_such_model:predict', '{"instances": [[1.0]]}', 404],
      ['POST', '/v1/models/half_plus_three/versions/99:predict', '{"instances": [[1.0]]}', 404],
      ['POST', '/v1/models/half_plus_three/labels/canary:predict', '{"instances": [[1.0]]}', 404],
      ['GET', '/v1/models/no_such_model', undefined, 404],
      ['GET', '/v1/models/no_such_model/metadata', undefined, 404],
    ];
    for (const [method, path, body, expected] of cases) {
      const answer = await raw(method, path, body);
      assert.equal(answer.status, expected, `${method} ${path} ${body}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(Object.keys(answer.body), ['error'], `${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(typeof answer.body.error, 'string');
    }
    assert.deepEqual((await raw('POST', '/v1/models/no_such_model:predict', '{"instances": [[1.0]]}')).body, {
      error: 'Servable not found for request: Latest(no_such_model)',
    });
  });

  test('labels are aliases: PUT /models/:name/aliases/:alias, then /labels/:label', async () => {
    await request(api.url, 'PUT', '/models/half_plus_three/aliases/stable', { version: 1 });
    const { body } = await raw(
      'POST',
      '/v1/models/half_plus_three/labels/stable:predict',
      '{"instances": [[1.0], [2.0], [5.0]]}',
    );
    assert.deepEqual(body, { predictions: [3.5, 4.0, 5.5] });
  });
});
