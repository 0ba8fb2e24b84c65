import { KerasFileError } from './keras-file-error.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the model JSON a file carries (config.json or the `model_config` attribute) and checks its outer shape. */
export function parseModelConfig(text: string, where: string, label: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KerasFileError('invalid_config', `${label}: ${where} is not valid JSON (${(e as Error).message})`, where);
  }
  if (!isObject(doc) || typeof doc.class_name !== 'string' || !('config' in doc)) {
    throw new KerasFileError(
      'invalid_config',
      `${label}: ${where} is not a Keras model config (expected {"class_name": ..., "config": ...})`,
      where,
    );
  }
  return doc;
}

/** Names of the layers a model config lists at its top level (a Sequential's bare list included). */
export function configLayerNames(modelConfig: Json): string[] {
  const config = modelConfig.config;
  const list = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  return list.filter(isObject).map((l) => {
    const inner = isObject(l.config) ? l.config : {};
    return typeof l.name === 'string' ? l.name : typeof inner.name === 'string' ? inner.name : '';
  });
}
