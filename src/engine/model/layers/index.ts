import type { LayerDef } from '../layer-def.ts';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D } from './conv.ts';
import {
  Activation,
  Dense,
  Dropout,
  Flatten,
  LeakyReLU,
  Normalization,
  ReLU,
  Rescaling,
  Reshape,
  Softmax,
  SpatialDropout2DDef,
} from './core.ts';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply } from './merge.ts';
import { BatchNormalization, LayerNormalization } from './normalization.ts';
import {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from './pooling.ts';
import { Bidirectional, Embedding, GRU, LSTM } from './recurrent.ts';
import { own } from '../../../domain/own.ts';

const DEFS: LayerDef[] = [
  Dense,
  Flatten,
  Reshape,
  Dropout,
  SpatialDropout2DDef,
  Activation,
  ReLU,
  LeakyReLU,
  Softmax,
  Rescaling,
  Normalization,
  Conv1D,
  Conv2D,
  DepthwiseConv2D,
  SeparableConv2D,
  Conv2DTranspose,
  ZeroPadding2D,
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  BatchNormalization,
  LayerNormalization,
  Add,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  Embedding,
  LSTM,
  GRU,
  Bidirectional,
];

// Keras class-name aliases (keras.layers.MaxPool2D is MaxPooling2D, etc.).
const ALIASES: Record<string, string> = {
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution2DTranspose: 'Conv2DTranspose',
  SeparableConvolution2D: 'SeparableConv2D',
};

const BY_TYPE = new Map(DEFS.map((d) => [d.type, d]));
const BY_LOWER = new Map(DEFS.map((d) => [d.type.toLowerCase(), d]));

/** Layer types Kiln supports (Keras class names), InputLayer excluded. */
export const LAYER_TYPES: readonly string[] = DEFS.map((d) => d.type);

/** Looks up a layer type by Keras class name (or alias); case-insensitive as a convenience. */
export function findLayerDef(type: string): LayerDef | undefined {
  const name = own(ALIASES, type) ?? type;
  return BY_TYPE.get(name) ?? BY_LOWER.get(name.toLowerCase());
}
