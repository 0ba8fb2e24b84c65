// Keras writes some arguments with non-null defaults that change nothing for the layers Kiln builds, and
// Kiln's validator (which ignores only null and false for unknown fields) rejects them. They are removed
// from a copy of the config before it is built; the file's own config is left as read.

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arguments that are inert under a condition on the rest of the layer config. */
const INERT: Record<string, Array<{ arg: string; when: (config: Json) => boolean }>> = {
  // Keras 3 BatchNormalization always writes renorm_momentum (0.99); it only matters with renorm=True,
  // which Kiln does not support (renorm itself is written as false, which the validator accepts).
  BatchNormalization: [{ arg: 'renorm_momentum', when: (c) => c.renorm !== true }],
};

function clean(layer: unknown): unknown {
  if (!isObject(layer) || typeof layer.class_name !== 'string' || !isObject(layer.config)) return layer;
  const rules = INERT[layer.class_name] ?? [];
  const config: Json = { ...layer.config };
  for (const { arg, when } of rules) if (arg in config && when(config)) delete config[arg];
  if (isObject(config.layer)) config.layer = clean(config.layer);
  if (isObject(config.backward_layer)) config.backward_layer = clean(config.backward_layer);
  if (Array.isArray(config.layers)) config.layers = config.layers.map(clean);
  return { ...layer, config };
}

/** A copy of a Keras model config without arguments that have no effect on the model Kiln builds. */
export function withoutInertArguments(modelConfig: Json): Json {
  const config = modelConfig.config;
  if (Array.isArray(config)) return { ...modelConfig, config: config.map(clean) };
  if (!isObject(config) || !Array.isArray(config.layers)) return modelConfig;
  return { ...modelConfig, config: { ...config, layers: config.layers.map(clean) } };
}
