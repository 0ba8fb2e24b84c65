// Turns the layer configs tfjs serializes (`model.toJSON()`: Keras 2 shape, argument names already in
// snake_case) into the layer configs Keras itself writes, for Keras 2 (legacy .h5) or Keras 3 (.keras).
// Keras rejects unknown constructor arguments, so the tfjs-only ones are dropped and Kiln's own layer
// classes are written as the Keras classes they implement.

type Json = Record<string, unknown>;
export type KerasStyle = 'keras2' | 'keras3';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** tfjs writes these, Keras' constructors do not take them (input shapes live on the InputLayer). */
const TFJS_ONLY = new Set(['batch_input_shape', 'input_dtype', 'input_length', 'implementation']);

/** Keras 3.5+ serializes a layer's dtype as a DTypePolicy object; earlier Keras 3 (and Keras 2) as a string. */
export function dtypeFor(style: KerasStyle, kerasVersion: string): unknown {
  const [major, minor] = kerasVersion.split('.').map(Number);
  const policyObject = style === 'keras3' && (major! > 3 || (major === 3 && minor! >= 5));
  return policyObject
    ? { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }
    : 'float32';
}

/** Which Keras module an initializer / regularizer / constraint argument's class lives in. */
function moduleOf(key: string): string | undefined {
  if (key.endsWith('_initializer')) return 'keras.initializers';
  if (key.endsWith('_regularizer')) return 'keras.regularizers';
  if (key.endsWith('_constraint')) return 'keras.constraints';
  return undefined;
}

function serializedObject(key: string, value: Json, style: KerasStyle): Json {
  const config = isObject(value.config) ? { ...value.config } : {};
  // tfjs' VarianceScaling calls its truncated normal "normal"; Keras spells it "truncated_normal".
  if (value.class_name === 'VarianceScaling' && config.distribution === 'normal')
    config.distribution = 'truncated_normal';
  const out: Json = { class_name: value.class_name, config };
  const module = moduleOf(key);
  return style === 'keras3' && module ? { module, ...out, registered_name: null } : out;
}

/**
 * The wrapped RNN of a Bidirectional, serialized like a top-level layer object (no graph fields). Keras 3
 * deserializes it with its new deserializer even from a legacy .h5, which cannot find a class without
 * `module`; tf.keras 2.13+ writes `module` there too, and older tf.keras ignores it.
 */
function nestedLayer(value: Json, style: KerasStyle, kerasVersion: string): Json {
  const { className, config } = kerasLayerConfig(
    String(value.class_name),
    isObject(value.config) ? value.config : {},
    style,
    kerasVersion,
  );
  return { module: 'keras.layers', class_name: className, config, registered_name: null };
}

function bidirectional(config: Json, style: KerasStyle, kerasVersion: string): void {
  const inner = config.layer as Json;
  config.layer = nestedLayer(inner, style, kerasVersion);
  // Keras 3 always writes backward_layer: the same layer running the other way (Kiln accepts exactly that).
  if (style === 'keras3') {
    const innerConfig = isObject(inner.config) ? inner.config : {};
    const backward = {
      ...inner,
      config: { ...innerConfig, name: `backward_${String(innerConfig.name)}`, go_backwards: !innerConfig.go_backwards },
    };
    config.backward_layer = nestedLayer(backward, style, kerasVersion);
  }
}

/** A tfjs layer class and config → the Keras class name and constructor config. */
export function kerasLayerConfig(
  tfjsClass: string,
  tfjsConfig: Json,
  style: KerasStyle,
  kerasVersion: string,
): { className: string; config: Json } {
  if (tfjsClass === 'InputLayer') {
    const shapeKey = style === 'keras3' ? 'batch_shape' : 'batch_input_shape';
    const extra = style === 'keras2' ? { ragged: false } : {};
    return {
      className: 'InputLayer',
      config: {
        [shapeKey]: tfjsConfig.batch_input_shape,
        dtype: tfjsConfig.dtype ?? 'float32',
        sparse: false,
        ...extra,
        name: tfjsConfig.name,
      },
    };
  }
  const rest: Json = {};
  for (const [key, value] of Object.entries(tfjsConfig)) {
    if (TFJS_ONLY.has(key) || key === 'name' || key === 'trainable') continue;
    rest[key] =
      isObject(value) && typeof value.class_name === 'string' && moduleOf(key)
        ? serializedObject(key, value, style)
        : value;
  }
  let className = tfjsClass;
  switch (tfjsClass) {
    case 'KilnResetAfterGRU':
      className = 'GRU';
      rest.reset_after = true;
      break;
    case 'GRU':
      // tfjs implements reset_after=False only, while Keras defaults to True: say it explicitly.
      rest.reset_after = false;
      break;
    case 'KilnReLU':
      className = 'ReLU';
      break;
    case 'KilnSpatialDropout2D':
      className = 'SpatialDropout2D';
      rest.data_format = 'channels_last';
      break;
    case 'KilnNormalization':
      className = 'Normalization';
      rest.invert = false;
      break;
    case 'LeakyReLU':
      // Keras 3 renamed `alpha` to `negative_slope`.
      if (style === 'keras3') {
        rest.negative_slope = rest.alpha;
        delete rest.alpha;
      }
      break;
    case 'Bidirectional':
      bidirectional(rest, style, kerasVersion);
      break;
    case 'Dense':
      // Keras 3 Dense takes activity_regularizer but leaves it out of its config unless set.
      if (style === 'keras3' && rest.activity_regularizer === null) delete rest.activity_regularizer;
      break;
  }
  const config: Json = {
    name: tfjsConfig.name,
    trainable: tfjsConfig.trainable ?? true,
    dtype: dtypeFor(style, kerasVersion),
    ...rest,
  };
  // Keras 3's SpatialDropout2D takes no `trainable` (its constructor has no **kwargs); Keras 3 also
  // reads legacy .h5 files with it, so it is left out of both styles. The layer has no weights anyway.
  if (className === 'SpatialDropout2D') delete config.trainable;
  return { className, config };
}
