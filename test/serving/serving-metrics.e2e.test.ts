// Per-model serving metrics on a real api's /metrics, scraped after real predictions: each model's
// batch sizes and queue waits, labelled `name:version`, agree with what the batcher ran.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { sample, scrape } from '../helpers/prometheus.ts';
import { classifier, registerModel, rows } from './fixtures.ts';

describe('per-model serving metrics', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let a: { id: string };

  before(async () => {
    // A batch window long enough that concurrent requests share batches.
    env = await createTestEnvironment({ env: { KILN_BATCH_TIMEOUT_MS: '20', KILN_BATCH_MAX_SIZE: '8' } });
    api = await startApi(env.config);
    a = await registerModel(api.app, classifier(1), { name: 'alpha' });
    await registerModel(api.app, classifier(2), { name: 'beta' });
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const predict = async (model: string, instances: number[][]) => {
    const response = await fetch(`${api.url}/models/${model}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances }),
    });
    assert.equal(response.status, 200, await response.text());
  };

  test('batch sizes and queue waits by model, after concurrent and lone predictions', async () => {
    const inputs = rows(13, 4, 3);
    // alpha: ten one-instance requests and one of three, all at once; beta: two lone requests.
    await Promise.all([...inputs.slice(0, 10).map((x) => predict('alpha', [x])), predict('alpha', inputs.slice(10))]);
    await predict('beta', [inputs[0]!]);
    await predict('beta', [inputs[1]!]);

    const page = await scrape(`${api.url}/metrics`);
    const stats = api.app.serving.batchStats(a.id)!;
    assert.equal(sample(page, 'kiln_serving_batch_size_sum', { model: 'alpha:1' }), 13, 'every instance is in a batch');
    assert.equal(sample(page, 'kiln_serving_batch_size_count', { model: 'alpha:1' }), stats.batches);
    assert.ok(stats.batches < 11, `concurrent requests shared batches (${stats.batches} batches for 11 requests)`);
    assert.equal(sample(page, 'kiln_serving_queue_seconds_count', { model: 'alpha:1' }), 11, 'one wait per request');
    assert.ok(sample(page, 'kiln_serving_queue_seconds_sum', { model: 'alpha:1' })! > 0, 'some requests waited');

    // beta, alone each time: two batches of one.
    assert.equal(sample(page, 'kiln_serving_batch_size_bucket', { model: 'beta:1', le: '1' }), 2);
    assert.equal(sample(page, 'kiln_serving_batch_size_count', { model: 'beta:1' }), 2);
    assert.equal(sample(page, 'kiln_serving_queue_seconds_count', { model: 'beta:1' }), 2);
    assert.equal(sample(page, 'kiln_predict_duration_seconds_count', { model: 'beta:1', outcome: 'ok' }), 2);
  });
});
