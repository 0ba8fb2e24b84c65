// Kiln specs of the models the round-trip and layout tests export, and helpers to run them.
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/engine/model/index.ts';

/** A small CNN with every layer type of a typical Kiln image model. */
export const cnnSpec = {
  type: 'sequential',
  name: 'small_cnn',
  layers: [
    { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu', input_shape: [12, 12, 1] },
    { type: 'BatchNormalization' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'Conv2D', filters: 6, kernel_size: 3, activation: 'relu' },
    { type: 'Flatten' },
    { type: 'Dense', units: 16, activation: 'relu' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 5, activation: 'softmax' },
  ],
};

/** Two inputs (image, token ids), two outputs, an Embedding + LSTM branch and a residual Add. */
export const twoHeadSpec = {
  type: 'functional',
  name: 'two_heads',
  inputs: [
    { name: 'image', shape: [8, 8, 1] },
    { name: 'tokens', shape: [6], dtype: 'int32' },
  ],
  layers: [
    { name: 'conv', type: 'Conv2D', filters: 3, kernel_size: 3, activation: 'relu', inputs: 'image' },
    { name: 'flat', type: 'Flatten', inputs: 'conv' },
    { name: 'img_dense', type: 'Dense', units: 8, activation: 'tanh', inputs: 'flat' },
    { name: 'embed', type: 'Embedding', input_dim: 20, output_dim: 4, inputs: 'tokens' },
    { name: 'lstm', type: 'LSTM', units: 8, inputs: 'embed' },
    { name: 'joined', type: 'Add', inputs: ['img_dense', 'lstm'] },
    { name: 'hidden', type: 'Dense', units: 8, activation: 'relu', inputs: 'joined' },
    { name: 'residual', type: 'Add', inputs: ['hidden', 'joined'] },
    { name: 'category', type: 'Dense', units: 3, activation: 'softmax', inputs: 'residual' },
    { name: 'score', type: 'Dense', units: 1, inputs: 'residual' },
  ],
  outputs: ['category', 'score'],
};

/**
 * Builds a spec and replaces every weight with distinct random values (BatchNormalization's moving
 * statistics and all biases included), so a weight written to the wrong place cannot go unnoticed.
 */
export function buildRandomized(spec: unknown, seed: number): tf.LayersModel {
  const model = buildModel(spec, { seed });
  let k = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => tf.randomUniform(w.shape as number[], 0.2, 1.2, 'float32', seed * 1000 + k++));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

export function cnnInput(): tf.Tensor {
  return tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 7);
}

export function twoHeadInputs(): tf.Tensor[] {
  const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 6], [0, 0, 19, 7, 7, 1], [3, 3, 3, 3, 3, 3]], [3, 6], 'int32');
  return [tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 11), tokens];
}
