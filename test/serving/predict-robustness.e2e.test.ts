// Bugs an audit found on the predict and registry routes: a bad request failing the requests batched
// with it (and answering 500), clients refused over their content-type, a deleted run's model still
// served, versions beyond int32 reaching the database, download by reference, and the error envelope.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { request } from '../helpers/http.ts';
import { uploadDataset } from '../helpers/datasets.ts';
import { artifactIOHandler } from '../../src/engine/io/artifact-io-handler.ts';
import { modelSignature } from '../../src/engine/model-signature.ts';
import { assertClose, classifier, localPredict, registerModel, rows } from './fixtures.ts';

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** int32 tokens [4] → Embedding(input_dim 10) → a 2-class softmax. */
function tokenModel(): tf.LayersModel {
  const tokens = tf.input({ shape: [4], dtype: 'int32', name: 'tokens' });
  const embedded = tf.layers
    .embedding({ inputDim: 10, outputDim: 3, embeddingsInitializer: seeded(11) })
    .apply(tokens) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(embedded) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(12) })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: tokens, outputs: out });
}

/** The same, but the Embedding sits behind a Reshape, so no input check knows its bound: only tfjs does, at run time. */
function hiddenEmbeddingModel(): tf.LayersModel {
  const x = tf.input({ shape: [4], name: 'x' });
  const reshaped = tf.layers.reshape({ targetShape: [4] }).apply(x) as tf.SymbolicTensor;
  const embedded = tf.layers
    .embedding({ inputDim: 10, outputDim: 3, embeddingsInitializer: seeded(13) })
    .apply(reshaped) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(embedded) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(14) })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out });
}

/** README's xor model. */
function xorModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: seeded(21) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seeded(22) }),
    ],
  });
}

/** A POST with exactly the given content-type header (or none), as curl or Python's requests send it. */
function rawPost(
  base: string,
  path: string,
  body: string,
  contentType: string | undefined,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('serving robustness', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  before(async () => {
    // A long enough batch window that concurrent requests really share batches.
    env = await createTestEnvironment({ env: { KILN_BATCH_TIMEOUT_MS: '10', KILN_BATCH_MAX_SIZE: '16' } });
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const post = (path: string, body: unknown) => request(api.url, 'POST', path, body);

  test('an index beyond an Embedding’s input_dim is a 400 naming it, on both route families', async () => {
    await registerModel(api.app, tokenModel(), { name: 'seq' });
    const tfs = await post('/v1/models/seq:predict', { instances: [[1000, 2, 3, 4]] });
    assert.equal(tfs.status, 400, JSON.stringify(tfs.body));
    assert.deepEqual(Object.keys(tfs.body), ['error'], 'TF Serving’s error shape');
    assert.match(tfs.body.error, /indices\[0,0\] = 1000 is not in \[0, 10\)/);

    const kiln = await post('/models/seq/predict', {
      instances: [
        [1, 2, 3, 4],
        [1, 2, -1, 4],
      ],
    });
    assert.equal(kiln.status, 400, JSON.stringify(kiln.body));
    assert.equal(kiln.body.error.code, 'invalid_input');
    assert.match(kiln.body.error.message, /^instances\[1\]\[2\]: indices\[1,2\] = -1 is not in \[0, 10\)/);
    assert.equal(kiln.body.error.details[0].path, 'instances[1][2]');

    const columnar = await post('/models/seq/predict', { inputs: { tokens: [[1, 2, 3, 10]] } });
    assert.equal(columnar.status, 400);
    assert.equal(columnar.body.error.details[0].path, 'inputs.tokens[0][3]');

    const huge = await post('/models/seq/predict', { instances: [[3000000000, 2, 3, 4]] });
    assert.equal(huge.status, 400, JSON.stringify(huge.body));
    assert.match(huge.body.error.message, /instances\[0\]\[0\]: 3000000000 is out of int32 range/);
  });

  test('bad and good requests sent together: every good one gets its own right answer, each bad one a 400', async () => {
    for (const [name, build] of [
      ['seq-busy', tokenModel],
      ['hidden', hiddenEmbeddingModel],
    ] as const) {
      const model = build();
      await registerModel(api.app, model, { name });
      const good = Array.from({ length: 48 }, (_, i) => [i % 10, (i * 3) % 10, (i * 7) % 10, 9 - (i % 10)]);
      const [expected] = localPredict(model, tf.tensor(good, undefined, name === 'hidden' ? 'float32' : 'int32'));
      const bad = [
        [1000, 2, 3, 4],
        [1, 2, 3, 12],
        [-5, 0, 0, 0],
      ];
      const sends = [
        ...good.map((row, i) => ({ row, i, path: i % 2 ? `/v1/models/${name}:predict` : `/models/${name}/predict` })),
        ...bad.map((row, k) => ({
          row,
          i: -1 - k,
          path: k % 2 ? `/v1/models/${name}:predict` : `/models/${name}/predict`,
        })),
      ];
      // Interleave the bad ones among the good.
      sends.sort((a, b) => ((a.i < 0 ? -a.i * 13 : a.i) % 17) - ((b.i < 0 ? -b.i * 13 : b.i) % 17));
      await post(`/models/${name}/predict`, { instances: [good[0]] }); // loaded, so the burst is batched, not waiting on the load
      const answers = await Promise.all(
        sends.map(async (s) => ({ ...s, answer: await post(s.path, { instances: [s.row] }) })),
      );
      for (const { i, path, answer } of answers) {
        if (i < 0) {
          assert.equal(answer.status, 400, `${name} bad request ${path}: ${JSON.stringify(answer.body)}`);
          continue;
        }
        assert.equal(answer.status, 200, `${name} good request ${i} ${path}: ${JSON.stringify(answer.body)}`);
        const values = path.startsWith('/v1') ? answer.body.predictions[0] : answer.body.predictions[0].values;
        assertClose(values, expected[i]);
      }
      const stats = api.app.serving.batchStats((await request(api.url, 'GET', `/models/${name}`)).body.id)!;
      assert.ok(
        stats.batches < sends.length,
        `${name}: ${sends.length} requests ran in ${stats.batches} batches, so they were batched`,
      );
    }
  });

  test('an error tfjs finds at run time in a lone request is a 400, not a 500', async () => {
    const tfs = await post('/v1/models/hidden:predict', { instances: [[1000, 2, 3, 4]] });
    assert.equal(tfs.status, 400, JSON.stringify(tfs.body));
    assert.match(tfs.body.error, /GatherV2/);
    const kiln = await post('/models/hidden/predict', { instances: [[1000, 2, 3, 4]] });
    assert.equal(kiln.status, 400, JSON.stringify(kiln.body));
    assert.equal(kiln.body.error.details[0].path, 'instances');
  });

  test('TF Serving and predict routes read the body as JSON whatever the content-type; other routes keep theirs', async () => {
    const model = xorModel();
    await registerModel(api.app, model, { name: 'xor' });
    const [expected] = localPredict(model, tf.tensor([[0, 1]]));
    const body = '{"instances": [[0, 1]]}';
    // curl -XPOST localhost:8080/v1/models/xor:predict -d '{"instances": [[0, 1]]}' (README) sends form-urlencoded.
    for (const contentType of [
      'application/x-www-form-urlencoded',
      undefined,
      'text/plain',
      'text/plain; charset=utf-8',
      'application/json',
    ]) {
      for (const path of ['/v1/models/xor:predict', '/v1/models/xor/versions/1:predict', '/models/xor/predict']) {
        const answer = await rawPost(api.url, path, body, contentType);
        assert.equal(answer.status, 200, `${path} with content-type ${contentType}: ${JSON.stringify(answer.body)}`);
        assertClose(
          path.startsWith('/v1') ? answer.body.predictions : answer.body.predictions.map((p: any) => p.values),
          expected,
        );
      }
    }
    const broken = await rawPost(
      api.url,
      '/v1/models/xor:predict',
      '{"instances": [[0, 1]',
      'application/x-www-form-urlencoded',
    );
    assert.equal(broken.status, 400);
    assert.equal(typeof broken.body.error, 'string');
    const empty = await rawPost(api.url, '/v1/models/xor:predict', '', undefined);
    assert.equal(empty.status, 400);
    assert.match(empty.body.error, /must be a JSON object/);

    // Not the rest of the api: a form-urlencoded run body is still refused, and multipart uploads still work.
    assert.equal((await rawPost(api.url, '/runs', '{}', 'application/x-www-form-urlencoded')).status, 415);
    const csv = 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n';
    const uploaded = await uploadDataset(api.url, [{ name: 'tiny.csv', data: new TextEncoder().encode(csv) }], {
      name: 'tiny',
      labelColumn: 'label',
    });
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  });

  test('deleting a run stops serving its model at once, rows before files', async () => {
    const runId = randomUUID();
    await api.app.db.prisma.run.create({ data: { id: runId, name: 'doomed', status: 'succeeded', spec: {} } });
    const model = classifier(5);
    const path = `runs/${runId}/model`;
    await model.save(artifactIOHandler(api.app.artifacts, path));
    const modelId = randomUUID();
    await api.app.db.prisma.model.create({
      data: { id: modelId, name: 'doomed', version: 1, runId, path, signature: modelSignature(model) as object },
    });
    assert.equal((await post(`/models/${modelId}/predict`, { instances: rows(1, 4) })).status, 200);
    assert.equal(api.app.serving.state(modelId), 'ready');

    assert.equal((await request(api.url, 'DELETE', `/runs/${runId}`)).status, 204);
    assert.equal(api.app.serving.state(modelId), undefined, 'unloaded');
    const after = await post(`/models/${modelId}/predict`, { instances: rows(1, 4) });
    assert.equal(after.status, 404, JSON.stringify(after.body));
    assert.equal((await post('/v1/models/doomed:predict', { instances: rows(1, 4) })).status, 404);
    assert.deepEqual(await api.app.artifacts.list(`runs/${runId}`), []);
  });

  test('versions beyond int32 are versions no model has (404); digits beyond int64 are no version (400); never a 500', async () => {
    if (!(await request(api.url, 'GET', '/models/xor')).body?.id)
      await registerModel(api.app, xorModel(), { name: 'xor' });
    const x = { instances: [[0, 1]] };
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/models/xor@3000000000/predict', x, 404],
      ['POST', '/models/xor@2147483648/predict', x, 404],
      ['POST', '/models/xor@0/predict', x, 404],
      ['POST', '/models/xor@99999999999999999999/predict', x, 400],
      ['GET', '/models/xor@3000000000', undefined, 404],
      ['GET', '/models/xor@99999999999999999999', undefined, 400],
      ['GET', '/models/xor@3000000000/download', undefined, 404],
      ['PUT', '/models/xor/aliases/big', { version: 3000000000 }, 404],
      ['PUT', '/models/xor/aliases/big', { version: 1e20 }, 404],
      ['DELETE', '/models/xor@3000000000', undefined, 404],
      ['DELETE', '/models/xor@99999999999999999999', undefined, 400],
      ['POST', '/v1/models/xor/versions/3000000000:predict', x, 404],
      ['POST', '/v1/models/xor/versions/99999999999999999999:predict', x, 400],
      ['GET', '/v1/models/xor/versions/3000000000', undefined, 404],
      ['GET', '/v1/models/xor/versions/99999999999999999999', undefined, 400],
      ['GET', '/v1/models/xor/versions/99999999999999999999/metadata', undefined, 400],
    ];
    for (const [method, path, body, expected] of cases) {
      const answer = await request(api.url, method, path, body);
      assert.equal(
        answer.status,
        expected,
        `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`,
      );
      if (path.startsWith('/v1')) {
        assert.deepEqual(Object.keys(answer.body), ['error']);
        assert.equal(typeof answer.body.error, 'string');
      } else {
        assert.equal(typeof answer.body.error.code, 'string');
        assert.doesNotMatch(answer.body.error.message, /prisma|invocation/i);
      }
    }
    assert.deepEqual((await request(api.url, 'GET', '/v1/models/xor/versions/3000000000')).body, {
      error: 'Servable not found for request: Specific(xor, 3000000000)',
    });
    assert.deepEqual((await request(api.url, 'GET', '/v1/models/xor/versions/99999999999999999999')).body, {
      error: 'Failed to convert version: 99999999999999999999 to numeric.',
    });
  });

  test('download resolves any model reference; deleting a bare name asks for one version', async () => {
    const { id } = await registerModel(api.app, classifier(7), { name: 'std' });
    await request(api.url, 'PUT', '/models/std/aliases/production', { version: 1 });
    for (const ref of [id, 'std', 'std@1', 'std@production']) {
      const response = await fetch(`${api.url}/models/${ref}/download`);
      assert.equal(response.status, 200, `download ${ref}`);
      assert.equal(response.headers.get('content-type'), 'application/x-tar');
      assert.match(response.headers.get('content-disposition') ?? '', /std-v1\.tar/);
      await response.arrayBuffer();
    }
    assert.equal((await fetch(`${api.url}/models/std@2/download`)).status, 404);

    const bare = await request(api.url, 'DELETE', '/models/std');
    assert.equal(bare.status, 400, JSON.stringify(bare.body));
    assert.match(bare.body.error.message, /name one version: an id or <name>@<version>/);
    assert.equal(bare.body.error.details[0].path, 'params.id');
    assert.equal((await request(api.url, 'DELETE', '/models/no-such-model')).status, 404);
    assert.equal((await request(api.url, 'GET', '/models/std')).status, 200, 'still there');
  });

  test('serving errors on Kiln’s routes carry details as [{path, message}], naming the input', async () => {
    const strict = classifier(3);
    await registerModel(api.app, strict, { name: 'strict' });
    const cases: Array<[unknown, string]> = [
      [{ instances: [[1, 2, 3]] }, 'instances[0]'],
      [{ instances: [[1, 2, 'x', 4]] }, 'instances[0][2]'],
      [{ instances: [] }, 'instances'],
      [{ instances: 5 }, 'instances'],
      [{ inputs: { nope: [[1, 2, 3, 4]] } }, 'inputs'],
      [{ instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }, 'body'],
      [{ instances: rows(1025, 4) }, 'instances'],
    ];
    for (const [body, path] of cases) {
      const { status, body: answer } = await post('/models/strict/predict', body);
      assert.ok(status === 400 || status === 413, `${JSON.stringify(body).slice(0, 60)}: ${status}`);
      assert.ok(Array.isArray(answer.error.details), `details is a list: ${JSON.stringify(answer.error)}`);
      assert.equal(answer.error.details[0].path, path, JSON.stringify(answer.error));
      assert.equal(typeof answer.error.details[0].message, 'string');
    }
    const shape = await post('/models/strict/predict', { instances: [[1, 2, 3]] });
    assert.deepEqual(shape.body.error.details[0].expected, [4], 'the expected shape stays on the detail');
    assert.match(shape.body.error.message, /^instances\[0\]: input "\w+" expects rank 1, shape \[4\]/);

    // Named inputs: the path names the input.
    await registerModel(api.app, tokenModel(), { name: 'named' });
    const named = await post('/models/named/predict', { instances: [{ tokens: [1, 2, 3] }] });
    assert.equal(named.body.error.details[0].path, 'instances[0].tokens');
    const columnar = await post('/models/named/predict', { inputs: { tokens: 'x' } });
    assert.equal(columnar.body.error.details[0].path, 'inputs.tokens');
    const query = await request(api.url, 'GET', '/models/strict/predict?instances=%5B');
    assert.equal(query.body.error.details[0].path, 'query.instances');

    // The same errors on the TF Serving routes stay {"error": "<message>"}.
    const tfs = await post('/v1/models/strict:predict', { instances: [[1, 2, 3]] });
    assert.equal(tfs.status, 400);
    assert.deepEqual(Object.keys(tfs.body), ['error']);
    assert.match(tfs.body.error, /^instances\[0\]: input "\w+" expects rank 1/);
  });
});
