/**
 * A batch tensor that arrives flat in row-major order (the Open Inference Protocol's binary data, or its
 * JSON `data` given flat): decoding copies it straight into the model's Float32Array, instead of nesting
 * it into arrays of rows only for the decoder to walk them apart again.
 */
export class FlatTensor {
  constructor(
    /** The whole tensor's shape, instances first. */
    readonly shape: number[],
    /** shape's product of elements: numbers as typed arrays from binary data, JSON values otherwise. */
    readonly data: Float32Array | Int32Array | Uint8Array | readonly unknown[],
  ) {}

  /** The instances: the first dimension. */
  get count(): number {
    return this.shape[0] ?? 0;
  }
}
