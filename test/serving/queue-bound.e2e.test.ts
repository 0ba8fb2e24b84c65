// A real api with a small serving queue (KILN_SERVING_MAX_QUEUE=2) under many concurrent predicts on
// every route family: each request is either answered right (as the model's own predict, within 1e-5)
// or refused at once with a 503, a Retry-After header and a message naming the setting; never a wrong
// answer, another error, or a wait behind an unbounded queue. Bursts are repeated until the queue has
// overflowed (awaited, not timed); the api must then still answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { sample, scrape } from '../helpers/prometheus.ts';
import { assertClose, localPredict, registerModel, rows } from './fixtures.ts';

const WIDTH = 256;

/** Wide enough that a batch takes a moment, so a burst of requests piles up behind it. */
function wideModel(): tf.LayersModel {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 512, activation: 'relu', inputShape: [WIDTH], kernelInitializer: seeded(1) }),
      tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: seeded(2) }),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: seeded(3) }),
    ],
  });
}

describe('bounded serving queue', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const model = wideModel();
  let v2Input = '';

  before(async () => {
    env = await createTestEnvironment({
      env: { KILN_SERVING_MAX_QUEUE: '2', KILN_BATCH_MAX_SIZE: '2', KILN_BATCH_TIMEOUT_MS: '0' },
    });
    api = await startApi(env.config);
    await registerModel(api.app, model, { name: 'wide' });
    // The name v2 clients learn from the metadata (a Sequential's input may be unnamed).
    v2Input = ((await (await fetch(`${api.url}/v2/models/wide`)).json()) as any).inputs[0].name;
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const routes = [
    {
      path: '/models/wide/predict',
      body: (x: number[]) => ({ instances: [x] }),
      read: (b: any) => b.predictions[0].values,
    },
    {
      path: '/v1/models/wide:predict',
      body: (x: number[]) => ({ instances: [x] }),
      read: (b: any) => b.predictions[0],
    },
    {
      path: '/v2/models/wide/infer',
      body: (x: number[]) => ({ inputs: [{ name: v2Input, shape: [1, WIDTH], datatype: 'FP32', data: x }] }),
      read: (b: any) => b.outputs[0].data,
    },
  ];

  test('a full queue answers 503 with Retry-After naming KILN_SERVING_MAX_QUEUE; every other answer is right', async () => {
    const inputs = rows(64, WIDTH, 7);
    const expected = localPredict(model, tf.tensor(inputs))[0] as number[][];
    let refused = 0;
    let answered = 0;
    for (let burst = 0; burst < 20 && refused === 0; burst++) {
      const answers = await Promise.all(
        inputs.map(async (x, i) => {
          const route = routes[i % routes.length]!;
          const response = await fetch(`${api.url}${route.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(route.body(x)),
          });
          return {
            i,
            route,
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            body: (await response.json()) as any,
          };
        }),
      );
      for (const { i, route, status, retryAfter, body } of answers) {
        if (status === 200) {
          answered++;
          assertClose(route.read(body), expected[i]);
          continue;
        }
        assert.equal(status, 503, `${route.path}: ${JSON.stringify(body)}`);
        refused++;
        assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
        // Kiln's envelope on its own route, {"error": message} on TF Serving's and v2's.
        const message = route.path.startsWith('/models') ? body.error.message : body.error;
        if (route.path.startsWith('/models')) assert.equal(body.error.code, 'overloaded');
        else assert.deepEqual(Object.keys(body), ['error']);
        assert.match(
          message,
          /model wide version 1 is busy: \d+ instances are queued and at most 2 may wait \(KILN_SERVING_MAX_QUEUE\)/,
        );
      }
    }
    assert.ok(refused > 0, 'the queue overflowed in some burst of 64 concurrent requests');
    // Operators see the refusals apart from failures.
    const page = await scrape(`${api.url}/metrics`);
    assert.equal(
      sample(page, 'kiln_predict_duration_seconds_count', { model: 'wide:1', outcome: 'overloaded' }),
      refused,
    );
    assert.equal(sample(page, 'kiln_predict_duration_seconds_count', { model: 'wide:1', outcome: 'error' }), undefined);
    assert.ok(answered > 0, 'and requests that found room were answered');

    // Drained: a lone request is answered again.
    const alone = await fetch(`${api.url}/models/wide/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [inputs[0]] }),
    });
    assert.equal(alone.status, 200);
    assertClose(((await alone.json()) as any).predictions[0].values, expected[0]);
  });
});
