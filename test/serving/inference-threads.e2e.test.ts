// Predict on inference threads (KILN_SERVING_THREADS=2), a real api: every route answers as the model's
// own predict within 1e-5, concurrent requests run on both threads, and a thread that dies (ended from
// outside, as a crash would) is replaced while requests in flight still get their right answers (the
// batcher reruns a failed batch's requests).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { assertClose, classifier, localPredict, multiOutput, registerModel, rows } from './fixtures.ts';

describe('inference threads', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const iris = classifier(5);
  const signals = multiOutput();
  let v2Input = '';

  before(async () => {
    env = await createTestEnvironment({ env: { KILN_SERVING_THREADS: '2', KILN_BATCH_TIMEOUT_MS: '5' } });
    api = await startApi(env.config);
    await registerModel(api.app, iris, { name: 'iris' });
    await registerModel(api.app, signals, { name: 'signals' });
    v2Input = ((await (await fetch(`${api.url}/v2/models/iris`)).json()) as any).inputs[0].name;
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  type Pool = { terminateThread(i: number): Promise<number>; runsPerThread(): number[] };
  const pool = () => (api.app.serving as unknown as { pool: Pool }).pool;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  test('every route equals the in-process predict, under concurrent load', async () => {
    const inputs = rows(48, 4, 11);
    const expected = localPredict(iris, tf.tensor(inputs))[0] as number[][];
    const answers = await Promise.all(
      inputs.map((x, i) =>
        i % 3 === 0
          ? post('/models/iris/predict', { instances: [x] }).then((r) => r.body.predictions[0].values)
          : i % 3 === 1
            ? post('/v1/models/iris:predict', { instances: [x] }).then((r) => r.body.predictions[0])
            : post('/v2/models/iris/infer', {
                inputs: [{ name: v2Input, shape: [1, 4], datatype: 'FP32', data: x }],
              }).then((r) => r.body.outputs?.[0]?.data ?? r.body),
      ),
    );
    answers.forEach((answer, i) => assertClose(answer, expected[i]));
    // Warm-up ran once on each thread; the load ran on both.
    assert.ok(
      pool()
        .runsPerThread()
        .every((runs) => runs > 1),
      `runs per thread: ${pool().runsPerThread()}`,
    );

    const signal = rows(3, 5, 2);
    const sensor = rows(3, 4, 3).map((r) => [r.slice(0, 2), r.slice(2)]);
    const [scores, value] = localPredict(signals, [tf.tensor(signal), tf.tensor(sensor)]);
    const both = await post('/v1/models/signals:predict', { inputs: { signal, sensor } });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assertClose(both.body.outputs.scores, scores);
    assertClose(both.body.outputs.value, value);
  });

  test('a thread that dies is replaced; requests keep being answered right', async () => {
    const x = rows(1, 4, 21)[0]!;
    const expected = (localPredict(iris, tf.tensor([x]))[0] as number[][])[0];
    const answering = Promise.all(Array.from({ length: 24 }, () => post('/models/iris/predict', { instances: [x] })));
    await pool().terminateThread(0);
    const answers = [
      ...(await answering),
      ...(await Promise.all(Array.from({ length: 8 }, () => post('/models/iris/predict', { instances: [x] })))),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assertClose(answer.body.predictions[0].values, expected);
    }
    assert.equal(pool().runsPerThread().length, 2, 'the dead thread was replaced');
  });
});
