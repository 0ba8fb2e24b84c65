import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../src/engine/model/index.ts';

before(async () => {
  await tf.setBackend('cpu');
});

/** A model whose BatchNormalization has moving statistics far from any batch's own. */
function withBatchNorm(trainable: boolean) {
  const model = buildModel(
    {
      type: 'sequential',
      layers: [{ type: 'BatchNormalization', inputShape: [3], trainable, name: 'bn' }],
    },
    { seed: 1 },
  );
  const bn = model.getLayer('bn');
  const [gamma, beta] = bn.getWeights();
  bn.setWeights([gamma!, beta!, tf.tensor1d([10, 20, 30]), tf.tensor1d([4, 9, 16])]);
  return model;
}

describe('BatchNormalization in training, as Keras computes it', () => {
  const x = tf.tensor2d([
    [1, 2, 3],
    [3, 6, 9],
  ]);

  test('frozen (trainable false): normalizes with its moving statistics and leaves them as they are', () => {
    const model = withBatchNorm(false);
    const trained = (model.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][];
    const inferred = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    trained
      .flat()
      .forEach((v, i) => assert.ok(Math.abs(v - inferred.flat()[i]!) < 1e-6, `${v} vs ${inferred.flat()[i]}`));
    // (1 - 10) / sqrt(4 + 0.001): the moving mean and variance, not the batch's.
    assert.ok(Math.abs(trained[0]![0]! - (1 - 10) / Math.sqrt(4.001)) < 1e-4);
    assert.deepEqual(Array.from(model.getLayer('bn').getWeights()[2]!.dataSync()), [10, 20, 30]);
    model.dispose();
  });

  test("trainable: normalizes with the batch's statistics while training", () => {
    const model = withBatchNorm(true);
    const trained = (model.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][];
    // The batch's mean of column 0 is 2 and its variance 1: (1 - 2) / sqrt(1 + 0.001).
    assert.ok(Math.abs(trained[0]![0]! - -1 / Math.sqrt(1.001)) < 1e-4, String(trained[0]![0]));
    model.dispose();
  });
});
