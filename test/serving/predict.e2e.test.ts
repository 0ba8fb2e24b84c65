import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request } from '../helpers/http.ts';
import { decodeImage } from '../../src/datasets/formats/index.ts';
import {
  assertClose,
  classifier,
  imageModel,
  localPredict,
  multiOutput,
  pngBase64,
  registerModel,
  rows,
} from './fixtures.ts';

const LABELS = ['setosa', 'versicolor', 'virginica'];

describe('serving: predictions through every route equal the model’s own predict', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  before(async () => {
    env = await createTestEnvironment({ env: { KILN_PREDICT_MAX_INSTANCES: '50', KILN_BATCH_TIMEOUT_MS: '5' } });
    // The api picks the tfjs backend; models built after it run on the same one as the served copies.
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const post = (path: string, body: unknown) => request(api.url, 'POST', path, body);
  const get = (path: string) => request(api.url, 'GET', path);

  test('a sequential classifier: Kiln routes (id, name, name@version, name@alias; rows, columns, GET) and TF Serving routes', async () => {
    const model = classifier();
    const { id } = await registerModel(api.app, model, { name: 'iris', labels: LABELS });
    assert.equal((await request(api.url, 'PUT', '/models/iris/aliases/production', { version: 1 })).status, 200);
    const x = rows(5, 4);
    const [expected] = localPredict(model, tf.tensor(x));

    const kiln = [
      await get(`/models/${id}/predict?instances=${encodeURIComponent(JSON.stringify(x))}`),
      await post(`/models/${id}/predict`, { instances: x }),
      await post(`/models/${id}/predict`, { inputs: x }),
      await post('/models/iris/predict', { instances: x }),
      await post('/models/iris@1/predict', { instances: x }),
      await post('/models/iris@production/predict', { instances: x }),
    ];
    for (const { status, body } of kiln) {
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.model, { id, name: 'iris', version: 1 });
      assertClose(
        body.predictions.map((p: any) => p.values),
        expected,
      );
      body.predictions.forEach((p: any, i: number) => {
        const best = expected[i].indexOf(Math.max(...expected[i]));
        assert.equal(p.class, best);
        assert.equal(p.label, LABELS[best]);
        assertClose(p.confidence, expected[i][best]);
        assert.equal(p.topK, undefined);
      });
    }

    const withTopK = await post(`/models/${id}/predict?topK=2`, { instances: x });
    for (const [i, p] of withTopK.body.predictions.entries()) {
      const ranked = expected[i].map((c: number, k: number) => [k, c]).sort((a: number[], b: number[]) => b[1] - a[1]);
      assert.deepEqual(
        p.topK.map((t: any) => t.class),
        [ranked[0][0], ranked[1][0]],
      );
      assert.deepEqual(
        p.topK.map((t: any) => t.label),
        [LABELS[ranked[0][0]], LABELS[ranked[1][0]]],
      );
    }

    for (const path of [
      '/v1/models/iris:predict',
      '/v1/models/iris/versions/1:predict',
      '/v1/models/iris/labels/production:predict',
    ]) {
      const row = await post(path, { instances: x });
      assert.equal(row.status, 200, JSON.stringify(row.body));
      assert.deepEqual(Object.keys(row.body), ['predictions']);
      assertClose(row.body.predictions, expected);
      const columnar = await post(path, { signature_name: 'serving_default', inputs: x });
      assert.equal(columnar.status, 200, JSON.stringify(columnar.body));
      assert.deepEqual(Object.keys(columnar.body), ['outputs']);
      assertClose(columnar.body.outputs, expected);
    }
  });

  test('a multi-output functional model answers one entry per named output, from row and columnar requests', async () => {
    const model = multiOutput();
    const { id } = await registerModel(api.app, model, { name: 'multi', labels: { scores: ['a', 'b', 'c'] } });
    const signal = rows(4, 5, 3);
    const sensor = rows(8, 2, 4).reduce<number[][][]>(
      (acc, r, i) => (i % 2 ? acc[acc.length - 1]!.push(r) : acc.push([r]), acc),
      [],
    );
    const [scores, value] = localPredict(model, [tf.tensor(signal), tf.tensor(sensor)]);
    const instances = signal.map((s, i) => ({ signal: s, sensor: sensor[i] }));

    for (const body of [{ instances }, { inputs: { signal, sensor } }]) {
      const kiln = await post(`/models/${id}/predict`, body);
      assert.equal(kiln.status, 200, JSON.stringify(kiln.body));
      assertClose(
        kiln.body.predictions.map((p: any) => p.scores.values),
        scores,
      );
      assertClose(
        kiln.body.predictions.map((p: any) => p.value.values),
        value,
      );
      assert.deepEqual(
        kiln.body.predictions.map((p: any) => p.scores.label),
        scores.map((s: number[]) => ['a', 'b', 'c'][s.indexOf(Math.max(...s))]),
      );
      assert.equal(kiln.body.predictions[0].value.class, undefined, 'a linear regression head is not a classifier');
    }
    const row = await post('/v1/models/multi:predict', { instances });
    assert.equal(row.status, 200, JSON.stringify(row.body));
    assertClose(
      row.body.predictions.map((p: any) => p.scores),
      scores,
    );
    assertClose(
      row.body.predictions.map((p: any) => p.value),
      value,
    );
    const columnar = await post('/v1/models/multi:predict', { inputs: { signal, sensor } });
    assertClose(columnar.body.outputs.scores, scores);
    assertClose(columnar.body.outputs.value, value);
  });

  test('an image model takes base64 PNGs, decoded, resized and scaled exactly as its training data was', async () => {
    const model = imageModel();
    const preprocessing = { scale: 1 / 255, image: { size: [8, 8], channels: 1 } };
    const { id } = await registerModel(api.app, model, { name: 'digits', labels: ['even', 'odd'], preprocessing });
    const images = [pngBase64(16, 12, 1), pngBase64(8, 8, 2), pngBase64(5, 9, 3)];
    const pixels = images.map((b64) =>
      Array.from(decodeImage(Buffer.from(b64, 'base64'), { size: [8, 8], channels: 1 }), (v) => v / 255),
    );
    const [expected] = localPredict(model, tf.tensor(pixels.flat(), [images.length, 8, 8, 1]));
    const instances = images.map((b64) => ({ b64 }));

    const kiln = await post(`/models/${id}/predict`, { instances });
    assert.equal(kiln.status, 200, JSON.stringify(kiln.body));
    assertClose(
      kiln.body.predictions.map((p: any) => p.values),
      expected,
    );
    assert.ok(['even', 'odd'].includes(kiln.body.predictions[0].label), 'labelled');
    const row = await post('/v1/models/digits:predict', { instances });
    assertClose(row.body.predictions, expected);
    const columnar = await post('/v1/models/digits:predict', { inputs: instances });
    assertClose(columnar.body.outputs, expected);
    // Raw pixel values sent as numbers get the same scaling.
    const raw = await post(`/models/${id}/predict`, {
      instances: pixels.map((p) =>
        chunk(
          p.map((v) => Math.round(v * 255)),
          8,
        ).map((r) => r.map((v) => [v])),
      ),
    });
    assertClose(
      raw.body.predictions.map((p: any) => p.values),
      expected,
    );
    const broken = await post(`/models/${id}/predict`, {
      instances: [{ b64: Buffer.from('not an image').toString('base64') }],
    });
    assert.equal(broken.status, 400);
    assert.match(broken.body.error.message, /instances\[0\]\.b64: .*neither PNG nor JPEG/);
  });

  test('bad input answers 400 saying expected versus given, too many instances 413, unknown models 404', async () => {
    await registerModel(api.app, classifier(2), { name: 'strict' });
    const cases: Array<[unknown, RegExp]> = [
      [
        { instances: [[[1, 2, 3, 4]]] },
        /instances\[0\]: input "\w+" expects rank 1, shape \[4\].*given shape \[1, 4\]/,
      ],
      [{ instances: [[1, 2, 3]] }, /instances\[0\]: .*shape \[4\].*given shape \[3\]/],
      [{ instances: [[1, 2, 'x', 4]] }, /instances\[0\]\[2\]: expected a number .*given a string/],
      [{ instances: [] }, /no instances/],
      [{ instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }, /either instances or inputs/],
      [{ inputs: { nope: [[1, 2, 3, 4]] } }, /expected the inputs "\w+", given "nope"/],
    ];
    for (const [body, message] of cases) {
      const { status, body: answer } = await post('/models/strict/predict', body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(answer.error.code, 'invalid_input');
      assert.match(answer.error.message, message);
    }
    const nonFinite = await fetch(`${api.url}/models/strict/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"instances": [[1, 2, 1e999, 4]]}',
    });
    assert.equal(nonFinite.status, 400);
    assert.match(
      ((await nonFinite.json()) as any).error.message,
      /instances\[0\]\[2\]: Infinity is not a finite number/,
    );
    const overflow = await post('/models/strict/predict', { instances: [[1, 2, 1e39, 4]] });
    assert.match(overflow.body.error.message, /out of float32 range/);
    const tooMany = await post('/models/strict/predict', { instances: rows(51, 4) });
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.body.error.code, 'too_many_instances');
    const tfsTooMany = await post('/v1/models/strict:predict', { instances: rows(51, 4) });
    assert.equal(tfsTooMany.status, 413);
    assert.equal(typeof tfsTooMany.body.error, 'string');

    for (const path of ['/models/nope/predict', '/models/strict@7/predict', '/models/strict@staging/predict']) {
      const { status, body } = await post(path, { instances: [[1, 2, 3, 4]] });
      assert.equal(status, 404, path);
      assert.equal(body.error.code, 'not_found');
    }
    for (const path of [
      '/v1/models/nope:predict',
      '/v1/models/strict/versions/7:predict',
      '/v1/models/strict/labels/staging:predict',
    ]) {
      const { status, body } = await post(path, { instances: [[1, 2, 3, 4]] });
      assert.equal(status, 404, path);
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(typeof body.error, 'string');
    }
  });

  test('registry: list by name, aliases move between versions, delete refuses an aliased version and frees its tensors', async () => {
    const first = await registerModel(api.app, classifier(10), { name: 'zoo' });
    const secondModel = classifier(20);
    const second = await registerModel(api.app, secondModel, { name: 'zoo', preprocessing: { scale: 2 } });
    const list = await get('/models?name=zoo');
    assert.deepEqual(list.body.models.map((m: any) => m.version).sort(), [1, 2]);
    assert.equal((await get('/models?name=zoo&limit=1')).body.models.length, 1);

    assert.equal(
      (await request(api.url, 'PUT', '/models/zoo/aliases/production', { version: 1 })).body.modelId,
      first.id,
    );
    assert.equal((await post('/models/zoo@production/predict', { instances: [[1, 2, 3, 4]] })).body.model.version, 1);
    assert.equal((await request(api.url, 'PUT', '/models/zoo/aliases/production', { version: 2 })).status, 200);
    const moved = await post('/models/zoo@production/predict', { instances: [[1, 2, 3, 4]] });
    assert.equal(moved.body.model.version, 2);
    // preprocessing {scale: 2} doubles the inputs before the model sees them
    assertClose(moved.body.predictions[0].values, localPredict(secondModel, tf.tensor([[2, 4, 6, 8]]))[0][0]);
    assert.equal((await request(api.url, 'PUT', '/models/zoo/aliases/production', { version: 9 })).status, 404);

    const detail = await get(`/models/${second.id}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.aliases, ['production']);
    assert.deepEqual(detail.body.preprocessing, { scale: 2 });
    assert.equal(detail.body.serving, 'ready');
    assert.deepEqual(detail.body.files.sort(), ['model.json', 'weights.bin']);
    assert.equal((await get('/models/zoo@2')).body.id, second.id);
    const status = await get('/v1/models/zoo');
    assert.deepEqual(
      status.body.model_version_status.map((s: any) => [s.version, s.state]),
      [
        ['2', 'AVAILABLE'],
        ['1', 'AVAILABLE'],
      ],
    );

    const refused = await request(api.url, 'DELETE', `/models/${second.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /zoo@production/);
    const tensorsBefore = tf.memory().numTensors;
    assert.equal((await request(api.url, 'DELETE', '/models/zoo@1')).status, 204);
    assert.equal(tf.memory().numTensors, tensorsBefore - 4, "the deleted model's 4 weight tensors are disposed");
    assert.equal((await get(`/models/${first.id}`)).status, 404);
    assert.equal((await post(`/models/${first.id}/predict`, { instances: [[1, 2, 3, 4]] })).status, 404);
    assert.deepEqual(
      (await get('/models?name=zoo')).body.models.map((m: any) => m.version),
      [2],
    );
  });

  test('concurrent requests to a model still loading all wait for the one load, and are micro-batched', async () => {
    const model = classifier(30);
    const { id } = await registerModel(api.app, model, { name: 'busy' });
    const x = rows(40, 4, 9);
    const [expected] = localPredict(model, tf.tensor(x));
    const answers = await Promise.all(x.map((row) => post(`/models/${id}/predict`, { instances: [row] })));
    answers.forEach(({ status, body }, i) => {
      assert.equal(status, 200, JSON.stringify(body));
      assertClose(body.predictions[0].values, expected[i]);
    });
    const stats = api.app.serving.batchStats(id)!;
    assert.equal(stats.instances, 40);
    assert.ok(stats.batches < 40, `40 concurrent requests ran in ${stats.batches} batches`);
  });
});

function chunk<T>(values: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));
}
