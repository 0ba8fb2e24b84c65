// Entry of a bare gradient thread (bare-gradients.ts): the seed CNN's loss and gradients on a fixed
// batch, step after step, with nothing else. With a shared barrier, each step starts and ends
// together with the partner thread's.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { batchGradients } from '../../src/engine/training/gradients.ts';
import { resolveHeads } from '../../src/engine/training/heads.ts';
import { trainableVariables } from '../../src/engine/training/train-step.ts';
import type { CompileSpec } from '../../src/domain/run-spec/schema.ts';
import { useBackend } from './backends.ts';
import { batchAt } from './batches.ts';
import { loadMnistTest } from './mnist.ts';
import { buildSeedCnn } from './seed-cnn.ts';

export type GradientThreadRequest =
  { type: 'init'; rows: number; warmUpSteps: number } | { type: 'run'; steps: number; barrier?: SharedArrayBuffer };

const port = parentPort!;
let step: (() => void) | undefined;

/** Two-thread barrier over [arrived, generation]: the second to arrive releases the first. */
function arriveAndWait(state: Int32Array): void {
  const generation = Atomics.load(state, 1);
  if (Atomics.add(state, 0, 1) === 1) {
    Atomics.store(state, 0, 0);
    Atomics.add(state, 1, 1);
    Atomics.notify(state, 1);
  } else Atomics.wait(state, 1, generation);
}

port.on('message', async (request: GradientThreadRequest) => {
  if (request.type === 'init') {
    await useBackend('wasm');
    const model = buildSeedCnn();
    const heads = resolveHeads(model.outputNames, { loss: 'categoricalCrossentropy' } as CompileSpec);
    const trainable = trainableVariables(model);
    const { x, y } = batchAt(loadMnistTest(request.rows), 0, request.rows);
    step = () => tf.tidy(() => void batchGradients(model, heads, trainable, [x], [y]).loss.dataSync());
    for (let i = 0; i < request.warmUpSteps; i++) step();
    port.postMessage('ready');
    return;
  }
  const barrier = request.barrier ? new Int32Array(request.barrier) : undefined;
  const ms: number[] = [];
  for (let i = 0; i < request.steps; i++) {
    if (barrier) arriveAndWait(barrier);
    const started = performance.now();
    step!();
    ms.push(performance.now() - started);
  }
  if (barrier) arriveAndWait(barrier);
  port.postMessage(ms);
});
port.postMessage('listening');
