import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { train } from './helpers.ts';

test('a model that needs a kernel the backend lacks fails fast with a message naming the kernel', async () => {
  await initBackend('wasm');
  // Every layer Kiln supports trains on wasm now, so a missing kernel is made by removing one.
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  const started = Date.now();
  const x = Array.from({ length: 8 }, () =>
    Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => [Math.random()])),
  );
  await assert.rejects(
    train({
      model: {
        type: 'sequential',
        layers: [
          { type: 'Conv2D', filters: 2, kernelSize: 3, inputShape: [6, 6, 1] },
          { type: 'Flatten' },
          { type: 'Dense', units: 1 },
        ],
      },
      dataset: { inline: { x, y: x.map(() => [1]) } },
      compile: { optimizer: 'sgd', loss: 'mse' },
      fit: { epochs: 1, batchSize: 4 },
    }),
    /Conv2DBackpropFilter.*wasm/,
  );
  assert.ok(Date.now() - started < 20_000, 'it fails at once instead of hanging');
});
