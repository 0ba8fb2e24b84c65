// Kiln specs of the models the round-trip and layout tests export, and helpers to run them.
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../src/engine/model/index.ts';

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

/** One of every layer type Kiln builds that a Keras file can carry (GRU in both reset_after variants). */
export const everyLayerSpec = {
  type: 'functional',
  name: 'every_layer',
  inputs: [
    { name: 'img', shape: [8, 8, 2] },
    { name: 'seq', shape: [6, 3] },
    { name: 'tok', shape: [5], dtype: 'int32' },
  ],
  layers: [
    { name: 'scale', type: 'Rescaling', scale: 0.5, offset: 0.1, inputs: 'img' },
    { name: 'pad', type: 'ZeroPadding2D', padding: 1, inputs: 'scale' },
    { name: 'conv', type: 'Conv2D', filters: 3, kernel_size: 3, strides: 2, padding: 'same', inputs: 'pad' },
    { name: 'bn', type: 'BatchNormalization', inputs: 'conv' },
    { name: 'relu', type: 'ReLU', max_value: 6, inputs: 'bn' },
    { name: 'sep', type: 'SeparableConv2D', filters: 4, kernel_size: 3, depth_multiplier: 2, inputs: 'relu' },
    { name: 'dw', type: 'DepthwiseConv2D', kernel_size: 2, inputs: 'sep' },
    { name: 'up', type: 'Conv2DTranspose', filters: 2, kernel_size: 3, strides: 2, inputs: 'dw' },
    { name: 'sdrop', type: 'SpatialDropout2D', rate: 0.2, inputs: 'up' },
    { name: 'avg2', type: 'AveragePooling2D', pool_size: 2, inputs: 'sdrop' },
    { name: 'gmax2', type: 'GlobalMaxPooling2D', inputs: 'avg2' },
    { name: 'conv1', type: 'Conv1D', filters: 4, kernel_size: 2, inputs: 'seq' },
    { name: 'mp1', type: 'MaxPooling1D', pool_size: 2, inputs: 'conv1' },
    { name: 'ln', type: 'LayerNormalization', inputs: 'mp1' },
    { name: 'gru', type: 'GRU', units: 4, return_sequences: true, inputs: 'ln' },
    { name: 'gavg1', type: 'GlobalAveragePooling1D', inputs: 'gru' },
    { name: 'embed', type: 'Embedding', input_dim: 12, output_dim: 3, inputs: 'tok' },
    { name: 'bi', type: 'Bidirectional', layer: { type: 'LSTM', units: 3 }, merge_mode: 'concat', inputs: 'embed' },
    { name: 'gru_v1', type: 'GRU', units: 6, reset_after: false, inputs: 'embed' },
    { name: 'flat', type: 'Flatten', inputs: 'sdrop' },
    { name: 'flat_dense', type: 'Dense', units: 6, inputs: 'flat' },
    { name: 'cat', type: 'Concatenate', inputs: ['gmax2', 'gavg1', 'bi'] },
    { name: 'cat_dense', type: 'Dense', units: 6, activation: 'swish', inputs: 'cat' },
    { name: 'sum', type: 'Add', inputs: ['cat_dense', 'gru_v1', 'flat_dense'] },
    { name: 'prod', type: 'Multiply', inputs: ['sum', 'cat_dense'] },
    { name: 'mean', type: 'Average', inputs: ['sum', 'prod'] },
    { name: 'hi', type: 'Maximum', inputs: ['sum', 'mean'] },
    { name: 'lo', type: 'Minimum', inputs: ['hi', 'prod'] },
    { name: 'leaky', type: 'LeakyReLU', negative_slope: 0.2, inputs: 'lo' },
    { name: 'slope', type: 'ReLU', negative_slope: 0.1, threshold: 0.05, inputs: 'leaky' },
    { name: 'act', type: 'Activation', activation: 'tanh', inputs: 'slope' },
    { name: 'shape', type: 'Reshape', target_shape: [3, 2], inputs: 'act' },
    { name: 'soft', type: 'Softmax', inputs: 'shape' },
    { name: 'drop', type: 'Dropout', rate: 0.1, inputs: 'soft' },
  ],
  // Several outputs, so every branch (image, sequence, tokens) is compared, not only the saturating head.
  outputs: ['drop', 'cat', 'flat_dense', 'gru_v1'],
};

export function everyLayerInputs(): tf.Tensor[] {
  const tokens = tf.tensor2d(
    [
      [1, 2, 3, 4, 5],
      [0, 0, 11, 7, 7],
    ],
    [2, 5],
    'int32',
  );
  return [
    tf.randomUniform([2, 8, 8, 2], 0, 1, 'float32', 21),
    tf.randomUniform([2, 6, 3], -1, 1, 'float32', 22),
    tokens,
  ];
}

/**
 * Builds a spec and replaces every weight with distinct random values (BatchNormalization's moving
 * statistics and all biases included), so a weight written to the wrong place cannot go unnoticed.
 */
export function buildRandomized(spec: unknown, seed: number): tf.LayersModel {
  const model = buildModel(spec, { seed });
  let k = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    // Centered values keep activations away from saturation; a variance must stay positive.
    const values = layer.weights.map((w) =>
      w.originalName.endsWith('moving_variance')
        ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', seed * 1000 + k++)
        : tf.randomUniform(w.shape as number[], -0.6, 0.6, 'float32', seed * 1000 + k++),
    );
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

export function cnnInput(): tf.Tensor {
  return tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 7);
}

export function twoHeadInputs(): tf.Tensor[] {
  const tokens = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6],
      [0, 0, 19, 7, 7, 1],
      [3, 3, 3, 3, 3, 3],
    ],
    [3, 6],
    'int32',
  );
  return [tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 11), tokens];
}
