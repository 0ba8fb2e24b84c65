import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/engine/backend.ts';
import { createOptimizer } from '../../../src/engine/training/optimizer.ts';
import { OPTIMIZER_ARGS } from '../../../src/engine/spec/optimizers.ts';
import type { OptimizerSpec } from '../../../src/domain/run-spec/schema.ts';

before(async () => {
  await initBackend('wasm');
});

const config = (spec: OptimizerSpec) => {
  const optimizer = createOptimizer(spec);
  const c = optimizer.getConfig();
  optimizer.dispose();
  return c;
};

test('every argument an optimizer takes reaches the tfjs optimizer', () => {
  assert.deepEqual(config({ type: 'adam', learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-5 }), {
    learningRate: 0.1,
    beta1: 0.8,
    beta2: 0.9,
    epsilon: 1e-5,
  });
  assert.deepEqual(config({ type: 'adamax', beta1: 0.8, beta2: 0.9, epsilon: 1e-5, decay: 0.01 }), {
    learningRate: 0.001,
    beta1: 0.8,
    beta2: 0.9,
    epsilon: 1e-5,
    decay: 0.01,
  });
  assert.deepEqual(config({ type: 'rmsprop', rho: 0.5, momentum: 0.2, epsilon: 1e-5, centered: true }), {
    learningRate: 0.001,
    decay: 0.5,
    momentum: 0.2,
    epsilon: 1e-5,
    centered: true,
  });
  assert.deepEqual(config({ type: 'adagrad', initialAccumulatorValue: 0.3 }), {
    learningRate: 0.001,
    initialAccumulatorValue: 0.3,
  });
  assert.deepEqual(config({ type: 'adadelta', rho: 0.5, epsilon: 1e-5 }), {
    learningRate: 0.001,
    rho: 0.5,
    epsilon: 1e-5,
  });
  assert.deepEqual(config({ type: 'sgd', momentum: 0.5, useNesterov: true }), {
    learningRate: 0.01,
    momentum: 0.5,
    useNesterov: true,
  });
});

test("Keras' defaults: learning rates, rho, epsilon 1e-7", () => {
  assert.deepEqual(config('adam'), { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.deepEqual(config('adamax'), { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 });
  assert.deepEqual(config('rmsprop'), { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
  assert.deepEqual(config('adagrad'), { learningRate: 0.001, initialAccumulatorValue: 0.1 });
  assert.deepEqual(config('adadelta'), { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
  assert.deepEqual(config('sgd'), { learningRate: 0.01 });
  for (const [type, args] of Object.entries(OPTIMIZER_ARGS))
    if ('epsilon' in args) assert.equal(args.epsilon, 1e-7, type);
});
