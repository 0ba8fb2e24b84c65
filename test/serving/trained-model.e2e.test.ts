// The full path: a real run trains a model, the run registers it, and serving answers with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker, type WorkerProcess } from '../helpers/processes.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { blobs, denseRunSpec } from '../helpers/specs.ts';
import { artifactIOHandler } from '../../src/engine/io/artifact-io-handler.ts';
import { assertClose } from './fixtures.ts';

describe('serving a model a real run trained', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: WorkerProcess;
  let modelId: string;

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
    worker = await startWorker(env.env);
    const created = await request(api.url, 'POST', '/runs', denseRunSpec({ name: 'served-blobs', epochs: 2 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    modelId = run.modelId;
  });
  after(async () => {
    await worker?.stop();
    await api?.close();
    await env?.cleanup();
  });

  test('the registered model answers like its own predict, with the class names set on it', async () => {
    await api.app.db.prisma.model.update({ where: { id: modelId }, data: { labels: ['left', 'right'] } });
    const row = await api.app.db.prisma.model.findUniqueOrThrow({ where: { id: modelId } });
    const local = await tf.loadLayersModel(artifactIOHandler(api.app.artifacts, row.path));
    const { x } = blobs(6, 99);
    const expected = tf.tidy(() => (local.predict(tf.tensor(x)) as tf.Tensor).arraySync()) as number[][];
    local.dispose();

    const kiln = await request(api.url, 'POST', '/models/served-blobs/predict?topK=2', { instances: x });
    assert.equal(kiln.status, 200, JSON.stringify(kiln.body));
    assertClose(
      kiln.body.predictions.map((p: any) => p.values),
      expected,
    );
    kiln.body.predictions.forEach((p: any, i: number) => {
      const best = expected[i]![0]! >= expected[i]![1]! ? 0 : 1;
      assert.equal(p.label, ['left', 'right'][best]);
      assert.deepEqual(p.topK.map((t: any) => t.label).sort(), ['left', 'right']);
    });
    const tfs = await request(api.url, 'POST', '/v1/models/served-blobs/versions/1:predict', { instances: x });
    assertClose(tfs.body.predictions, expected);
    const detail = await request(api.url, 'GET', `/models/${modelId}`);
    assert.ok(detail.body.runId, 'the source run is named');
    assert.deepEqual(detail.body.labels, ['left', 'right']);
    assert.equal(detail.body.signature.inputs[0].shape[1], 4);
  });
});
