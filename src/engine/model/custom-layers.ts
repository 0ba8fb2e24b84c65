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

export interface ConstantNormalizationArgs {
  /** The axes the statistics are per (Keras' `axis`, positive, batch excluded). */
  axis: number[];
  /** Broadcastable to the input row over `axis`, as Keras' Normalization takes them. */
  mean: number | unknown[];
  variance: number | unknown[];
  name?: string;
  trainable?: boolean;
}

/**
 * Keras' Normalization with its statistics given (`mean`, `variance`), as a model carries its input
 * standardization: (x - mean) / max(sqrt(variance), 1e-7). tfjs has no such layer. Constants, no weights.
 */
export class ConstantNormalization extends tf.layers.Layer {
  static className = 'KilnNormalization';
  readonly axis: number[];
  readonly mean: number | unknown[];
  readonly variance: number | unknown[];

  constructor(args: ConstantNormalizationArgs) {
    super(args);
    this.axis = args.axis;
    this.mean = args.mean;
    this.variance = args.variance;
  }

  /** A statistic shaped to broadcast over a batch: the kept axes' sizes, 1 elsewhere (as Keras reshapes it). */
  private broadcast(value: number | unknown[], shape: number[]): tf.Tensor {
    if (typeof value === 'number') return tf.scalar(value);
    const target = shape.slice(1).map((d, i) => (this.axis.includes(i + 1) ? d : 1));
    return tf.reshape(tf.tensor(value as number[]), target);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const mean = this.broadcast(this.mean, x.shape);
      const std = tf.maximum(tf.sqrt(this.broadcast(this.variance, x.shape)), 1e-7);
      return tf.div(tf.sub(x, mean), std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis, mean: this.mean as number, variance: this.variance as number };
  }
}

tf.serialization.registerClass(SpatialDropout2D);
tf.serialization.registerClass(ConstantNormalization);
tf.serialization.registerClass(KerasReLU);
