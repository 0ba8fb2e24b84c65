import * as tf from '@tensorflow/tfjs';
import type { TfInitializer } from './initializers.ts';
import type { TfRegularizer } from './regularizers.ts';

// Keras' default GRU (reset_after=True, the cuDNN-compatible variant): the reset gate multiplies the recurrent
// projection *after* the matrix product, and input and recurrent projections have separate biases (bias shape
// [2, 3 * units]). tfjs 4.22 only implements reset_after=False, so Keras GRU models would otherwise not import.

type Serialized = { className: string; config: tf.serialization.ConfigDict };
type Kwargs = Record<string, unknown>;

function serialize(obj: tf.serialization.Serializable | undefined): Serialized | null {
  return obj ? { className: obj.getClassName(), config: obj.getConfig() } : null;
}

/** Accepts a live object or its serialized form (what tf.loadLayersModel hands back). */
function revive<T>(value: T | Serialized | null | undefined): T | undefined {
  if (value === null || value === undefined) return undefined;
  const s = value as Serialized;
  if (typeof s.className !== 'string') return value as T;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[s.className];
  if (!entry) throw new Error(`unknown serialized class ${s.className}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, s.config) as T;
}

export interface ResetAfterGRUArgs {
  units: number;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  kernelInitializer?: TfInitializer | Serialized;
  recurrentInitializer?: TfInitializer | Serialized;
  biasInitializer?: TfInitializer | Serialized;
  kernelRegularizer?: TfRegularizer | Serialized;
  recurrentRegularizer?: TfRegularizer | Serialized;
  biasRegularizer?: TfRegularizer | Serialized;
  dropout?: number;
  recurrentDropout?: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  unroll?: boolean;
  name?: string;
  trainable?: boolean;
}

/** One step of a reset_after=True GRU. */
export class ResetAfterGRUCell extends tf.layers.Layer {
  static className = 'KilnResetAfterGRUCell';
  readonly units: number;
  readonly stateSize: number;
  readonly activation: string;
  readonly recurrentActivation: string;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  private readonly initializers: Record<'kernel' | 'recurrent' | 'bias', TfInitializer>;
  private readonly regularizers: Record<'kernel' | 'recurrent' | 'bias', TfRegularizer | undefined>;
  private readonly activations: Record<'activation' | 'recurrent', tf.layers.Layer>;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  /** Dropout masks are drawn once per sequence (as in Keras) and cleared by the owning layer. */
  dropoutMask: tf.Tensor | null = null;
  recurrentDropoutMask: tf.Tensor | null = null;

  constructor(args: ResetAfterGRUArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.units = args.units;
    this.stateSize = args.units;
    this.activation = args.activation ?? 'tanh';
    this.recurrentActivation = args.recurrentActivation ?? 'sigmoid';
    this.useBias = args.useBias ?? true;
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    this.initializers = {
      kernel: revive(args.kernelInitializer) ?? tf.initializers.glorotUniform({}),
      recurrent: revive(args.recurrentInitializer) ?? tf.initializers.orthogonal({}),
      bias: revive(args.biasInitializer) ?? tf.initializers.zeros(),
    };
    this.regularizers = {
      kernel: revive(args.kernelRegularizer),
      recurrent: revive(args.recurrentRegularizer),
      bias: revive(args.biasRegularizer),
    };
    this.activations = {
      activation: tf.layers.activation({ activation: this.activation as 'tanh' }),
      recurrent: tf.layers.activation({ activation: this.recurrentActivation as 'sigmoid' }),
    };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1] as number;
    const n = 3 * this.units;
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, n],
      'float32',
      this.initializers.kernel,
      this.regularizers.kernel,
      true,
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [this.units, n],
      'float32',
      this.initializers.recurrent,
      this.regularizers.recurrent,
      true,
    );
    if (this.useBias)
      this.bias = this.addWeight('bias', [2, n], 'float32', this.initializers.bias, this.regularizers.bias, true);
    this.built = true;
  }

  private mask(rate: number, like: tf.Tensor, existing: tf.Tensor | null): tf.Tensor | null {
    if (rate <= 0 || existing) return existing;
    return tf.keep(tf.dropout(tf.onesLike(like), rate));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const [input, hPrev] = inputs as tf.Tensor[];
      let x = input!;
      if (kwargs.training === true) {
        this.dropoutMask = this.mask(this.dropout, x, this.dropoutMask);
        this.recurrentDropoutMask = this.mask(this.recurrentDropout, hPrev, this.recurrentDropoutMask);
        if (this.dropoutMask) x = tf.mul(x, this.dropoutMask);
      }
      const hIn =
        kwargs.training === true && this.recurrentDropoutMask ? tf.mul(hPrev, this.recurrentDropoutMask) : hPrev;
      let matrixX = tf.matMul(x, (this.kernel as tf.LayerVariable).read());
      let matrixInner = tf.matMul(hIn, (this.recurrentKernel as tf.LayerVariable).read());
      if (this.bias) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        matrixX = tf.add(matrixX, inputBias);
        matrixInner = tf.add(matrixInner, recurrentBias);
      }
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const [rZ, rR, rH] = tf.split(matrixInner, 3, -1);
      const z = this.activations.recurrent.apply(tf.add(xZ, rZ)) as tf.Tensor;
      const r = this.activations.recurrent.apply(tf.add(xR, rR)) as tf.Tensor;
      const hh = this.activations.activation.apply(tf.add(xH, tf.mul(r, rH))) as tf.Tensor;
      const h = tf.add(tf.mul(z, hPrev), tf.mul(tf.sub(1, z), hh));
      return [h, h];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      kernelInitializer: serialize(this.initializers.kernel),
      recurrentInitializer: serialize(this.initializers.recurrent),
      biasInitializer: serialize(this.initializers.bias),
      kernelRegularizer: serialize(this.regularizers.kernel),
      recurrentRegularizer: serialize(this.regularizers.recurrent),
      biasRegularizer: serialize(this.regularizers.bias),
    };
  }
}

/** Keras GRU with reset_after=True, as a tfjs RNN layer (so masking, go_backwards and Bidirectional work). */
export class ResetAfterGRU extends tf.RNN {
  static override className = 'KilnResetAfterGRU';

  constructor(args: ResetAfterGRUArgs) {
    super({ ...args, cell: new ResetAfterGRUCell({ ...args, name: undefined }) } as ConstructorParameters<
      typeof tf.RNN
    >[0]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const cell = this.cell as ResetAfterGRUCell;
    tf.dispose([cell.dropoutMask, cell.recurrentDropoutMask].filter((m): m is tf.Tensor => m !== null));
    cell.dropoutMask = null;
    cell.recurrentDropoutMask = null;
    return super.call(inputs, { mask: kwargs.mask, training: kwargs.training, initialState: kwargs.initialState });
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(ResetAfterGRUCell);
tf.serialization.registerClass(ResetAfterGRU);
