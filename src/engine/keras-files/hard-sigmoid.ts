import { KerasFileError } from './keras-file-error.ts';

/**
 * Keras 3 redefined `hard_sigmoid` as relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1); TensorFlow.js (and
 * tf.keras 2) compute clip(0.2·x + 0.5, 0, 1). A Keras 3 model using it would give other predictions in
 * Kiln than in Keras, and a Kiln model written as a .keras file other predictions in Keras than in
 * Kiln: both are refused, naming the layer, rather than converted into a silently different model.
 */
const NAMES = new Set(['hard_sigmoid', 'hardSigmoid']);
const KEYS = ['activation', 'recurrent_activation', 'recurrentActivation'];

/** Whether a layer config (or one nested in it: Bidirectional's `layer`, an RNN's `cell`) uses hard_sigmoid. */
function usesHardSigmoid(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesHardSigmoid);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, v]) =>
    KEYS.includes(key) && typeof v === 'string' ? NAMES.has(v) : usesHardSigmoid(v),
  );
}

const DIFFERS = 'which Keras 3 computes as relu6(x + 3) / 6 and TensorFlow.js as clip(0.2·x + 0.5, 0, 1)';

/** Refuses a Keras 3 model (a .keras file, or an .h5 written by Keras 3) with a hard_sigmoid layer. */
export function refuseKeras3HardSigmoid(layers: { name?: unknown; config?: unknown }[]): void {
  for (const layer of layers) {
    if (!usesHardSigmoid(layer.config)) continue;
    const name = String((layer.config as { name?: unknown })?.name ?? layer.name);
    throw new KerasFileError(
      'unsupported_model',
      `layer "${name}" uses hard_sigmoid, ${DIFFERS}: Kiln would not predict what Keras 3 predicts`,
      name,
    );
  }
}

/** Refuses to write a .keras file (Keras 3) of a model with a hard_sigmoid layer. */
export function refuseHardSigmoidForKeras3(layers: { name: string; config: unknown }[]): void {
  const layer = layers.find((l) => usesHardSigmoid(l.config));
  if (!layer) return;
  throw new KerasFileError(
    'unsupported_model',
    `layer "${layer.name}" uses hard_sigmoid, ${DIFFERS}: a .keras file would not predict what Kiln predicts; download it as h5 (tf.keras 2 semantics) or tfjs`,
    layer.name,
  );
}
