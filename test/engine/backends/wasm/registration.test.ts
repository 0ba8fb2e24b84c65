import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../../../src/engine/backends/wasm/index.ts';

test('registering before the wasm backend starts, twice, still trains (built-in fallbacks keep their setup)', async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  for (const name of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), `${name} registered`);

  // Exercises the built-in paths behind the replacements: untransposed BatchMatMul, inner-axis Sum.
  const product = tf.matMul(
    tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
    tf.tensor2d([[5], [6]]),
  );
  assert.deepEqual(Array.from(product.dataSync()), [17, 39]);
  assert.deepEqual(
    Array.from(
      tf
        .sum(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          1,
        )
        .dataSync(),
    ),
    [3, 7],
  );

  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const loss = await model.trainOnBatch(tf.ones([2, 6, 6, 1]), tf.zeros([2, 2]));
  assert.ok(Number.isFinite(Number(loss)));
});
