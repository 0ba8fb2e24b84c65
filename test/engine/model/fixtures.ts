// Model specs shared by the model-spec tests. The Keras documents are written the way tf.keras 2.15 and Keras 3
// serialize them with model.to_json(), noise fields included.

/** The seed's MNIST CNN as a native sequential spec (mixing camelCase and snake_case on purpose). */
export const mnistSequential = {
  type: 'sequential',
  name: 'MNIST_CNN',
  layers: [
    { type: 'Conv2D', filters: 32, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] },
    { type: 'MaxPooling2D', poolSize: [2, 2] },
    { type: 'Conv2D', filters: 64, kernel_size: 3, activation: 'relu' },
    { type: 'MaxPooling2D', pool_size: 2 },
    { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
    { type: 'Flatten' },
    { type: 'Dense', units: 128, activation: 'relu' },
    { type: 'Dropout', rate: 0.5 },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

export const MNIST_SHAPES = [
  [26, 26, 32],
  [13, 13, 32],
  [11, 11, 64],
  [5, 5, 64],
  [3, 3, 64],
  [576],
  [128],
  [128],
  [10],
];
export const MNIST_PARAMS = [320, 0, 18496, 0, 36928, 0, 73856, 0, 1290];

/** The same model as a native functional spec, layers deliberately listed out of order. */
export const mnistFunctional = {
  type: 'functional',
  name: 'MNIST_CNN',
  inputs: [{ name: 'image', shape: [28, 28, 1] }],
  layers: [
    { name: 'dense_1', type: 'Dense', units: 10, activation: 'softmax', inputs: 'dropout' },
    { name: 'conv2d', type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'relu', inputs: ['image'] },
    { name: 'max_pooling2d', type: 'MaxPooling2D', inputs: ['conv2d'] },
    { name: 'conv2d_1', type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu', inputs: ['max_pooling2d'] },
    { name: 'max_pooling2d_1', type: 'MaxPooling2D', inputs: ['conv2d_1'] },
    { name: 'conv2d_2', type: 'Conv2D', filters: 64, kernelSize: 3, activation: 'relu', inputs: ['max_pooling2d_1'] },
    { name: 'flatten', type: 'Flatten', inputs: ['conv2d_2'] },
    { name: 'dense', type: 'Dense', units: 128, activation: 'relu', inputs: ['flatten'] },
    { name: 'dropout', type: 'Dropout', rate: 0.5, inputs: ['dense'] },
  ],
  outputs: ['dense_1'],
};

/** tf.keras 2.15 `model.to_json()` of the MNIST CNN built with keras.Sequential(name="MNIST_CNN"). */
export const mnistKeras2Json = `{"class_name": "Sequential", "config": {"name": "MNIST_CNN", "layers": [
{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1], "dtype": "float32", "sparse": false, "ragged": false, "name": "conv2d_input"}, "registered_name": null},
{"module": "keras.layers", "class_name": "Conv2D", "config": {"name": "conv2d", "trainable": true, "dtype": "float32", "batch_input_shape": [null, 28, 28, 1], "filters": 32, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 28, 28, 1]}},
{"module": "keras.layers", "class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": true, "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null, 26, 26, 32]}},
{"module": "keras.layers", "class_name": "Conv2D", "config": {"name": "conv2d_1", "trainable": true, "dtype": "float32", "filters": 64, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 13, 13, 32]}},
{"module": "keras.layers", "class_name": "MaxPooling2D", "config": {"name": "max_pooling2d_1", "trainable": true, "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null, 11, 11, 64]}},
{"module": "keras.layers", "class_name": "Conv2D", "config": {"name": "conv2d_2", "trainable": true, "dtype": "float32", "filters": 64, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 5, 5, 64]}},
{"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten", "trainable": true, "dtype": "float32", "data_format": "channels_last"}, "registered_name": null, "build_config": {"input_shape": [null, 3, 3, 64]}},
{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 128, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 576]}},
{"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": "float32", "rate": 0.5, "noise_shape": null, "seed": null}, "registered_name": null, "build_config": {"input_shape": [null, 128]}},
{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": "float32", "units": 10, "activation": "softmax", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 128]}}
]}, "keras_version": "2.15.0", "backend": "tensorflow"}`;

const K3_POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const k3Init = (className: string) => ({
  module: 'keras.initializers',
  class_name: className,
  config: className === 'Zeros' ? {} : { seed: null },
  registered_name: null,
});
const k3Tensor = (shape: Array<number | null>, from: string) => ({
  class_name: '__keras_tensor__',
  config: { shape: [null, ...shape], dtype: 'float32', keras_history: [from, 0, 0] },
});

/** A Keras 3 layer entry as Functional.get_config() writes it. */
function k3Layer(
  className: string,
  name: string,
  config: Record<string, unknown>,
  inputShape: Array<number | null>,
  from: string,
) {
  return {
    module: 'keras.layers',
    class_name: className,
    config: { name, trainable: true, dtype: K3_POLICY, ...config },
    registered_name: null,
    build_config: { input_shape: [null, ...inputShape] },
    name,
    inbound_nodes: [{ args: [k3Tensor(inputShape, from)], kwargs: className === 'Dropout' ? { training: false } : {} }],
  };
}

const k3Conv = (filters: number) => ({
  filters,
  kernel_size: [3, 3],
  strides: [1, 1],
  padding: 'valid',
  data_format: 'channels_last',
  dilation_rate: [1, 1],
  groups: 1,
  activation: 'relu',
  use_bias: true,
  kernel_initializer: k3Init('GlorotUniform'),
  bias_initializer: k3Init('Zeros'),
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
});
const k3Pool = { pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' };
const k3Dense = (units: number, activation: string) => ({
  units,
  activation,
  use_bias: true,
  kernel_initializer: k3Init('GlorotUniform'),
  bias_initializer: k3Init('Zeros'),
  kernel_regularizer: null,
  bias_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
  lora_rank: null,
});

/** Keras 3 `model.to_json()` of the MNIST CNN built functionally (keras.Model(inputs, outputs, name="MNIST_CNN")). */
export const mnistKeras3Functional = {
  module: 'keras.src.models.functional',
  class_name: 'Functional',
  config: {
    name: 'MNIST_CNN',
    trainable: true,
    layers: [
      {
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, name: 'input_layer' },
        registered_name: null,
        name: 'input_layer',
        inbound_nodes: [],
      },
      k3Layer('Conv2D', 'conv2d', k3Conv(32), [28, 28, 1], 'input_layer'),
      k3Layer('MaxPooling2D', 'max_pooling2d', k3Pool, [26, 26, 32], 'conv2d'),
      k3Layer('Conv2D', 'conv2d_1', k3Conv(64), [13, 13, 32], 'max_pooling2d'),
      k3Layer('MaxPooling2D', 'max_pooling2d_1', k3Pool, [11, 11, 64], 'conv2d_1'),
      k3Layer('Conv2D', 'conv2d_2', k3Conv(64), [5, 5, 64], 'max_pooling2d_1'),
      k3Layer('Flatten', 'flatten', { data_format: 'channels_last' }, [3, 3, 64], 'conv2d_2'),
      k3Layer('Dense', 'dense', k3Dense(128, 'relu'), [576], 'flatten'),
      k3Layer('Dropout', 'dropout', { rate: 0.5, seed: null, noise_shape: null }, [128], 'dense'),
      k3Layer('Dense', 'dense_1', k3Dense(10, 'softmax'), [128], 'dropout'),
    ],
    input_layers: [['input_layer', 0, 0]],
    output_layers: [['dense_1', 0, 0]],
  },
  registered_name: 'Functional',
  build_config: { input_shape: null },
};

/** Keras 3 `model.to_json()` of the MNIST CNN as keras.Sequential (layers without inbound_nodes). */
export const mnistKeras3Sequential = {
  module: 'keras',
  class_name: 'Sequential',
  config: {
    name: 'MNIST_CNN',
    trainable: true,
    dtype: K3_POLICY,
    layers: mnistKeras3Functional.config.layers.map((layer) => {
      const { name: _name, inbound_nodes: _inbound, ...rest } = layer;
      return rest;
    }),
    build_input_shape: [null, 28, 28, 1],
  },
  registered_name: null,
  build_config: { input_shape: [null, 28, 28, 1] },
};

type Layer = Record<string, unknown>;

/** The seed's MiniResNet as a functional spec (32x32x3 input; blocks of 64, 128/2, 256/2 filters). */
export function miniResNet(): {
  type: 'functional';
  name: string;
  inputs: unknown[];
  layers: Layer[];
  outputs: string[];
} {
  const layers: Layer[] = [
    { name: 'stem_conv', type: 'Conv2D', filters: 64, kernel_size: 7, strides: 2, padding: 'same', inputs: ['image'] },
    { name: 'stem_bn', type: 'BatchNormalization', inputs: ['stem_conv'] },
    { name: 'stem_relu', type: 'ReLU', inputs: ['stem_bn'] },
    { name: 'stem_pool', type: 'MaxPooling2D', pool_size: 3, strides: 2, padding: 'same', inputs: ['stem_relu'] },
  ];
  let previous = 'stem_pool';
  let channels = 64;
  for (const [i, [filters, stride]] of [
    [64, 1],
    [128, 2],
    [256, 2],
  ].entries()) {
    const p = `block${i + 1}`;
    layers.push(
      {
        name: `${p}_conv1`,
        type: 'Conv2D',
        filters,
        kernel_size: 3,
        strides: stride,
        padding: 'same',
        inputs: [previous],
      },
      { name: `${p}_bn1`, type: 'BatchNormalization', inputs: [`${p}_conv1`] },
      { name: `${p}_relu1`, type: 'ReLU', inputs: [`${p}_bn1`] },
      { name: `${p}_conv2`, type: 'Conv2D', filters, kernel_size: 3, padding: 'same', inputs: [`${p}_relu1`] },
      { name: `${p}_bn2`, type: 'BatchNormalization', inputs: [`${p}_conv2`] },
    );
    let shortcut = previous;
    if (stride !== 1 || channels !== filters) {
      shortcut = `${p}_shortcut`;
      layers.push({ name: shortcut, type: 'Conv2D', filters, kernel_size: 1, strides: stride, inputs: [previous] });
    }
    layers.push(
      { name: `${p}_add`, type: 'Add', inputs: [`${p}_bn2`, shortcut] },
      { name: `${p}_out`, type: 'ReLU', inputs: [`${p}_add`] },
    );
    previous = `${p}_out`;
    channels = filters;
  }
  layers.push(
    { name: 'pool', type: 'GlobalAveragePooling2D', inputs: [previous] },
    { name: 'logits', type: 'Dense', units: 10, activation: 'softmax', inputs: ['pool'] },
  );
  return {
    type: 'functional',
    name: 'MiniResNet',
    inputs: [{ name: 'image', shape: [32, 32, 3] }],
    layers,
    outputs: ['logits'],
  };
}

/** Image + text → category + price, with a small CNN branch standing in for MobileNetV2. */
export const productModel = {
  type: 'functional',
  name: 'product',
  inputs: [
    { name: 'image', shape: [32, 32, 3] },
    { name: 'text', shape: [12], dtype: 'int32' },
  ],
  layers: [
    { name: 'scale', type: 'Rescaling', scale: 1 / 255, inputs: 'image' },
    { name: 'img_conv1', type: 'Conv2D', filters: 8, kernel_size: 3, strides: 2, activation: 'relu', inputs: 'scale' },
    {
      name: 'img_conv2',
      type: 'SeparableConv2D',
      filters: 16,
      kernel_size: 3,
      activation: 'relu',
      inputs: 'img_conv1',
    },
    { name: 'img_pool', type: 'GlobalAveragePooling2D', inputs: 'img_conv2' },
    { name: 'tok_embed', type: 'Embedding', input_dim: 500, output_dim: 8, inputs: 'text' },
    { name: 'tok_lstm', type: 'LSTM', units: 8, inputs: 'tok_embed' },
    { name: 'joined', type: 'Concatenate', inputs: ['img_pool', 'tok_lstm'] },
    { name: 'hidden', type: 'Dense', units: 32, activation: 'relu', inputs: 'joined' },
    { name: 'drop', type: 'Dropout', rate: 0.2, inputs: 'hidden' },
    { name: 'category', type: 'Dense', units: 5, activation: 'softmax', inputs: 'drop' },
    { name: 'price', type: 'Dense', units: 1, inputs: 'drop' },
  ],
  outputs: ['category', 'price'],
};
