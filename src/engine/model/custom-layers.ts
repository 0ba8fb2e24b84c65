import * as tf from '@tensorflow/tfjs';

// Layers tfjs 4.22 lacks or implements partially. Registered so saved Kiln models reload with tf.loadLayersModel.

type Kwargs = Record<string, unknown>;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

export interface SpatialDropout2DArgs {
  rate: number;
  seed?: number;
  name?: string;
  trainable?: boolean;
}

/** Keras SpatialDropout2D: during training drops whole channels (feature maps) instead of single activations. */
export class SpatialDropout2D extends tf.layers.Layer {
  static className = 'KilnSpatialDropout2D';
  readonly rate: number;
  readonly seed?: number;

  constructor(args: SpatialDropout2DArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
      const [batch, , , channels] = x.shape;
      // Noise shape [batch, 1, 1, channels]: one keep/drop decision per feature map, broadcast over height and width.
      return tf.dropout(x, this.rate, [batch, 1, 1, channels], this.seed);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null };
  }
}

export interface KerasReLUArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
  name?: string;
  trainable?: boolean;
}

/** Keras ReLU with all three options; tfjs' ReLU layer only supports maxValue. */
export class KerasReLU extends tf.layers.Layer {
  static className = 'KilnReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: KerasReLUArgs) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const below = tf.mul(tf.sub(x, this.threshold), this.negativeSlope);
      const y = tf.where(tf.greaterEqual(x, this.threshold), x, below);
      return this.maxValue === null ? y : tf.minimum(y, this.maxValue);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      maxValue: this.maxValue,
      negativeSlope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}

tf.serialization.registerClass(SpatialDropout2D);
tf.serialization.registerClass(KerasReLU);
