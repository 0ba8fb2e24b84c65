import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useStack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { parseEventFile } from '../../src/engine/tensorboard/event-file-reader.ts';

async function downloadTar(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'application/x-tar');
  const dir = await mkdtemp(join(tmpdir(), 'kiln-download-'));
  await writeFile(join(dir, 'archive.tar'), Buffer.from(await response.arrayBuffer()));
  execFileSync('tar', ['-xf', 'archive.tar'], { cwd: dir });
  return dir;
}

describe('what a run leaves behind: evaluation, checkpoints, TensorBoard logs, a downloadable model', () => {
  const stack = useStack();
  let run: any;

  before(async () => {
    const spec = denseRunSpec({ epochs: 4, samples: 120 });
    const created = await request(stack.api.url, 'POST', '/runs', {
      ...spec,
      dataset: { ...spec.dataset, testSplit: 0.25 },
      callbacks: {
        model_checkpoint: { monitor: 'val_accuracy', save_best_only: true },
        tensor_board: { histogram_freq: 1 },
        reduce_lr_on_plateau: { monitor: 'val_loss', factor: 0.5, patience: 1, min_lr: 1e-4 },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    run = await waitForRun(stack.api.url, created.body.id, ['succeeded', 'failed']);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  });

  test('the evaluation on the test split has loss, metrics, a confusion matrix and per-class precision and recall', () => {
    const evaluation = run.evaluation;
    assert.ok(evaluation, 'evaluation stored');
    assert.equal(typeof evaluation.metrics.loss, 'number');
    assert.equal(typeof evaluation.metrics.accuracy, 'number');
    const total = evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0);
    assert.equal(total, 30, 'a quarter of 120 samples');
    const correct = evaluation.confusion[0][0] + evaluation.confusion[1][1];
    assert.ok(Math.abs(correct / total - evaluation.metrics.accuracy) < 1e-6);
    assert.equal(evaluation.perClass.length, 2);
  });

  test('the best checkpoint (modelCheckpoint) and the latest one are listed', () => {
    assert.deepEqual(run.checkpoints.map((c: { kind: string }) => c.kind).sort(), ['best', 'latest']);
    assert.equal(run.bestCheckpoint.monitor, 'val_accuracy');
    const best = Math.max(...run.epochs.map((e: any) => e.metrics.val_accuracy));
    assert.equal(run.bestCheckpoint.value, best);
  });

  test('GET /runs/:id/tensorboard is a tar of event files with the epoch scalars', async () => {
    const dir = await downloadTar(`${stack.api.url}/runs/${run.id}/tensorboard`);
    const listing = execFileSync('find', ['.', '-name', 'events.out.tfevents.*'], { cwd: dir, encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    assert.equal(listing.length, 2);
    const trainFile = listing.find((f) => f.includes('/train/'))!;
    const events = parseEventFile(new Uint8Array(await readFile(join(dir, trainFile))));
    const losses = events.flatMap(
      (e) => e.summary?.values.filter((v) => v.tag === 'epoch_loss').map((v) => v.simpleValue) ?? [],
    );
    assert.equal(losses.length, 4);
    losses.forEach((l, i) => assert.ok(Math.abs(l! - run.epochs[i].metrics.loss) < 1e-6));
    await rm(dir, { recursive: true });
  });

  test('GET /models/:id/download is a tar that tf.loadLayersModel reads, predicting as the model trained', async () => {
    const model = (await request(stack.api.url, 'GET', `/models/${run.modelId}`)).body;
    const dir = await downloadTar(`${stack.api.url}/models/${run.modelId}/download`);
    const folder = join(dir, `${model.name}-v${model.version}`);
    const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    const weights = await readFile(join(folder, json.weightsManifest[0].paths[0]));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const out = loaded.predict(
      tf.tensor([
        [1, 1, 1, 1],
        [-1, -1, -1, -1],
      ]),
    ) as tf.Tensor;
    const [pos, neg] = (await out.array()) as number[][];
    assert.ok(pos![1]! > 0.5 && neg![0]! > 0.5, 'the downloaded model separates the blobs');
    await rm(dir, { recursive: true });
  });

  test('a run without TensorBoard logs answers 404 for them', async () => {
    const created = await request(stack.api.url, 'POST', '/runs', denseRunSpec({ epochs: 1 }));
    await waitForRun(stack.api.url, created.body.id, ['succeeded']);
    const res = await request(stack.api.url, 'GET', `/runs/${created.body.id}/tensorboard`);
    assert.equal(res.status, 404);
    assert.match(res.body.error.message, /tensorBoard/);
  });
});
