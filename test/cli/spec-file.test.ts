import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, attachStep, readSpec } from '../../src/cli/spec-file.ts';
import { type CliError } from '../../src/cli/errors.ts';
import { resolveConfig } from '../../src/cli/config.ts';

test('--set overrides single fields, read as YAML values, through objects and list indices', () => {
  const spec = { fit: { epochs: 10 }, model: { layers: [{ units: 8 }, { units: 2 }] } };
  applyOverrides(spec, [
    'fit.epochs=5',
    'fit.validation_split=0.1',
    'model.layers.0.units=32',
    'compile.optimizer.type=adam',
    'dataset.augment.contrast=[0.8, 1.2]',
    'fit.shuffle=false',
  ]);
  assert.deepEqual(spec, {
    fit: { epochs: 5, validation_split: 0.1, shuffle: false },
    model: { layers: [{ units: 32 }, { units: 2 }] },
    compile: { optimizer: { type: 'adam' } },
    dataset: { augment: { contrast: [0.8, 1.2] } },
  });
  assert.throws(() => applyOverrides(spec, ['fit.epochs']), /expected path=value/);
  assert.throws(() => applyOverrides(spec, ['fit.epochs.max=3']), /epochs is 5, not an object/);
});

test('specs are read from YAML or JSON; unreadable ones are usage errors naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-spec-'));
  try {
    await writeFile(join(dir, 'a.yaml'), 'fit:\n  epochs: 3 # Keras default is 1\n');
    await writeFile(join(dir, 'a.json'), '{"fit": {"epochs": 4}}');
    await writeFile(join(dir, 'bad.json'), '{"fit": ');
    await writeFile(join(dir, 'list.yaml'), '- 1\n- 2\n');
    assert.deepEqual(await readSpec(join(dir, 'a.yaml')), { fit: { epochs: 3 } });
    assert.deepEqual(await readSpec(join(dir, 'a.json')), { fit: { epochs: 4 } });
    for (const [file, message] of [
      ['bad.json', /bad\.json is not valid JSON/],
      ['list.yaml', /must hold one object/],
      ['none.yaml', /cannot read/],
    ] as const) {
      await assert.rejects(
        readSpec(join(dir, file)),
        (error: CliError) => message.test(error.message) && error.exitCode === 2,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the server and token come from the flags, else KILN_URL and KILN_API_TOKEN', () => {
  assert.deepEqual(resolveConfig({}, {}), { url: 'http://localhost:8080', token: undefined });
  assert.deepEqual(resolveConfig({}, { KILN_URL: 'http://kiln:9000/', KILN_API_TOKEN: 'abc' }), {
    url: 'http://kiln:9000',
    token: 'abc',
  });
  assert.deepEqual(
    resolveConfig({ url: 'https://x', token: 't' }, { KILN_URL: 'http://kiln:9000', KILN_API_TOKEN: 'abc' }),
    { url: 'https://x', token: 't' },
  );
});

test("--step attaches a module as the spec's train_step, its language by extension, keeping the step's models", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-step-'));
  try {
    await writeFile(join(dir, 'gan.ts'), 'export function trainStep() {}');
    await writeFile(join(dir, 'loop.mjs'), 'export const train_step = () => ({ loss: 1 });');
    const models = { generator: { model: { type: 'sequential' }, optimizer: 'adam' } };
    const gan = await attachStep({ fit: {}, train_step: { models } }, join(dir, 'gan.ts'));
    assert.deepEqual(gan.train_step, { models, source: 'export function trainStep() {}', language: 'ts' });
    const loop = await attachStep({ trainStep: { language: 'ts' } }, join(dir, 'loop.mjs'));
    assert.deepEqual(loop, {
      train_step: { source: 'export const train_step = () => ({ loss: 1 });', language: 'js' },
    });
    await assert.rejects(
      attachStep({}, join(dir, 'step.py')),
      /--step .*step\.py: a train step is a \.js, \.mjs, \.ts or \.mts module/,
    );
    await assert.rejects(attachStep({}, join(dir, 'missing.ts')), (e: CliError) => /cannot read/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
