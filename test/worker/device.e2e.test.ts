/** The worker says which device it trains on, and with KILN_REQUIRE_GPU refuses to train without a GPU. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi, startWorker } from '../helpers/processes.ts';
import { request } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { gpuRequirementProblem } from '../../src/worker/device.ts';
import { EXIT_MISCONFIGURED } from '../../src/worker/exit-codes.ts';

describe('training device', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  test('a worker logs the backend and device it got', async () => {
    const worker = await startWorker(env.env);
    try {
      assert.match(
        worker.output(),
        /"backend":"wasm","device":"cpu \(wasm, 1 thread\)","gpu":false.*"msg":"training device"/,
      );
    } finally {
      await worker.stop();
    }
  });

  test('KILN_REQUIRE_GPU=1 on a machine without a GPU: the worker says why and takes no job', async () => {
    const { body } = await request(api.url, 'POST', '/runs', denseRunSpec());
    await assert.rejects(startWorker({ ...env.env, KILN_REQUIRE_GPU: '1' }), (error: Error) => {
      assert.match(error.message, new RegExp(`exited with ${EXIT_MISCONFIGURED} before it was ready`));
      assert.match(
        error.message,
        /KILN_REQUIRE_GPU=1 but TensorFlow\.js runs on wasm \(cpu \(wasm, 1 thread\)\).*This worker takes no jobs/,
      );
      return true;
    });
    const run = (await request(api.url, 'GET', `/runs/${body.id}`)).body;
    assert.equal(run.status, 'queued');
    assert.equal(await (await api.app.trainingQueue.getJob(body.id))?.getState(), 'prioritized');
    await request(api.url, 'POST', `/runs/${body.id}/cancel`);
  });

  test('the refusal names what is missing for each way of landing on the CPU', () => {
    assert.equal(gpuRequirementProblem(false, { backend: 'wasm', device: 'cpu', gpu: false }), undefined);
    assert.equal(gpuRequirementProblem(true, { backend: 'tensorflow', device: 'gpu', gpu: true }), undefined);
    assert.match(
      gpuRequirementProblem(true, {
        backend: 'tensorflow',
        device: 'cpu (libtensorflow GPU build, but no NVIDIA GPU is visible)',
        gpu: false,
      })!,
      /NVIDIA runtime/,
    );
    assert.match(
      gpuRequirementProblem(true, { backend: 'wasm', device: 'cpu (wasm, 1 thread)', gpu: false })!,
      /tfjs-node-gpu did not load: it needs CUDA 11\.2/,
    );
  });
});
