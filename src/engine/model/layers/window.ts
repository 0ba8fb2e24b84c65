import type { Dim } from '../types.ts';

/** Output length of a sliding window along one axis (Keras conv_utils.conv_output_length); null stays null. */
export function windowOutputLength(input: Dim, kernel: number, stride: number, dilation: number, padding: string): Dim {
  if (input === null) return null;
  const span = kernel + (kernel - 1) * (dilation - 1);
  const length = padding === 'valid' ? input - span + 1 : input;
  return Math.floor((length + stride - 1) / stride);
}

/** Output length of a transposed convolution along one axis (Keras deconv_output_length without output_padding). */
export function transposedOutputLength(input: Dim, kernel: number, stride: number, padding: string): Dim {
  if (input === null) return null;
  return padding === 'valid' ? input * stride + Math.max(kernel - stride, 0) : input * stride;
}
