import { own } from '../../domain/own.ts';
/** Keras activation names → tfjs activation identifiers. */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid',
  hardSigmoid: 'hardSigmoid',
  softmax: 'softmax',
  log_softmax: 'logSoftmax',
  logSoftmax: 'logSoftmax',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  gelu: 'gelu',
  mish: 'mish',
};

/** All accepted activation names, for error messages. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS);

/** Maps a Keras activation (string, null = linear, or Keras 3 serialized object) to a tfjs identifier; undefined if unknown. */
export function resolveActivation(value: unknown): string | undefined {
  if (value === null) return 'linear';
  if (typeof value === 'string') return own(ACTIVATIONS, value);
  // Keras 3 may serialize an activation function as {class_name: "function", config: "relu", ...}.
  if (typeof value === 'object' && value !== null) {
    const config = (value as Record<string, unknown>).config;
    if (typeof config === 'string') return own(ACTIVATIONS, config);
  }
  return undefined;
}
