// A user's train_step through the real api, queue and worker: refused unless the operator allows user
// code; with it allowed, a step that throws or never returns fails its run (stack in the run's log,
// the setting named) while the worker lives on and trains the next run's step.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kiln } from '../cli/run-kiln.ts';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack } from '../helpers/stack.ts';
import { inProcessApi } from '../helpers/app.ts';
import { request, runEvents, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';

/** The seed's custom loop (train_step and test_step), in TypeScript. */
const SEED_LOOP = readFileSync(new URL('../../examples/custom-step/seed-loop.ts', import.meta.url), 'utf8');

const withStep = (source: string, language = 'ts') => ({
  ...denseRunSpec({ name: 'user-step', epochs: 3 }),
  train_step: { source, language },
});

describe('with KILN_ALLOW_USER_CODE off (the default)', () => {
  const api = inProcessApi();

  test('a run carrying a train_step is a 400 naming the setting, also as a dry run', async () => {
    for (const url of ['/runs', '/runs?dryRun=true']) {
      const res = await api.app.inject({ method: 'POST', url, payload: withStep(SEED_LOOP) });
      assert.equal(res.statusCode, 400, url);
      const { error } = res.json() as { error: { code: string; message: string; details: unknown } };
      assert.equal(error.code, 'user_code_disabled');
      assert.match(error.message, /KILN_ALLOW_USER_CODE=true/);
      assert.match(JSON.stringify(error.details), /trainStep/);
    }
    // The same spec without the step is fine: the refusal is the step's.
    const plain = await api.app.inject({ method: 'POST', url: '/runs?dryRun=true', payload: denseRunSpec() });
    assert.equal(plain.statusCode, 200, plain.body);
  });
});

describe('with KILN_ALLOW_USER_CODE on', () => {
  const stack = useStack({ env: { KILN_ALLOW_USER_CODE: 'true', KILN_STEP_TIMEOUT_SECONDS: '2' } });

  test("the seed's custom loop as a TypeScript train_step trains; its metrics are the run's epochs", async () => {
    const created = await request(stack.api.url, 'POST', '/runs', withStep(SEED_LOOP));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const epochs = run.epochs as Array<{ metrics: Record<string, number> }>;
    assert.equal(epochs.length, 3);
    assert.deepEqual(Object.keys(epochs[0]!.metrics).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.ok(epochs[2]!.metrics.loss! < epochs[0]!.metrics.loss!);
  });

  test('a step that throws fails its run with the stack trace in the run log, and is not retried', async () => {
    const source = `export function trainStep({ batch }) {\n  if (batch === 1) throw new Error('boom');\n  return { loss: 1 };\n}`;
    const created = await request(stack.api.url, 'POST', '/runs', withStep(source, 'js'));
    const run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'failed');
    assert.equal(run.error.code, 'training_error');
    assert.match(run.error.message, /^train_step threw: Error: boom at trainStep \(train_step\.mjs:2:\d+\)$/);
    const events = await runEvents(stack.api.url, created.body.id);
    const logged = events.find((e) => e.type === 'log' && e.data.level === 'error');
    assert.match(logged?.data.message ?? '', /Error: boom\n\s+at trainStep \(train_step\.mjs:2:\d+\)/);
    const tries = events.filter((e) => e.type === 'status' && e.data.status === 'running');
    assert.equal(tries.length, 1, 'one try: the same code fails the same way');
  });

  test('a step stuck in synchronous code is ended at KILN_STEP_TIMEOUT_SECONDS; the worker lives on and trains the next', async () => {
    const started = Date.now();
    const stuck = await request(
      stack.api.url,
      'POST',
      '/runs',
      withStep('export function trainStep() { for (;;) {} }', 'js'),
    );
    const run = await waitForRun(stack.api.url, stuck.body.id, ['succeeded', 'failed'], 60_000);
    assert.equal(run.status, 'failed');
    assert.match(run.error.message, /train_step did not return within 2 s \(KILN_STEP_TIMEOUT_SECONDS\)/);
    assert.ok(Date.now() - started < 30_000, `ended after ${Date.now() - started} ms`);
    assert.equal(stack.worker.child.exitCode, null, 'the worker is still running');
    const next = await request(stack.api.url, 'POST', '/runs', withStep(SEED_LOOP));
    const after = await waitForRun(stack.api.url, next.body.id, ['succeeded', 'failed']);
    assert.equal(after.status, 'succeeded', JSON.stringify(after.error));
  });

  test('kiln run SPEC --step seed-loop.ts --watch submits the module with the spec and shows its metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-step-cli-'));
    try {
      const spec = denseRunSpec({ name: 'cli-step', epochs: 2 });
      await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
      const step = fileURLToPath(new URL('../../examples/custom-step/seed-loop.ts', import.meta.url));
      const result = await kiln(['run', join(dir, 'spec.json'), '--step', step, '--watch'], {
        KILN_URL: stack.api.url,
      });
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /loss: \d+\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d+\.\d{4} - val_accuracy/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
