import { withH5Read } from './h5-file.ts';
import { ReadBudget } from './h5-values.ts';
import { KerasFileError } from './keras-file-error.ts';
import type { KerasFileLimits } from './limits.ts';
import { parseModelConfig } from './model-config.ts';
import { matchWeightsToModel } from './object-paths.ts';
import { readObjectStore } from './read-object-store.ts';
import type { KerasModelFile } from './types.ts';
import { extractZipEntry, listZip, type ZipEntry } from './zip-read.ts';

// A Keras 3 `.keras` file (keras/src/saving/saving_lib.py): a zip of metadata.json, config.json and
// model.weights.h5 (and an assets/ folder for layers that have assets, which no Kiln layer has).

const CONFIG = 'config.json';
const METADATA = 'metadata.json';
const WEIGHTS = 'model.weights.h5';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array, entry: ZipEntry, label: string): string {
  try {
    return utf8.decode(extractZipEntry(bytes, entry, label));
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    throw new KerasFileError('invalid_config', `${label}: ${entry.name} is not UTF-8 text`, entry.name);
  }
}

function kerasVersionOf(metadata: string | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  try {
    const doc = JSON.parse(metadata) as { keras_version?: unknown };
    return typeof doc.keras_version === 'string' ? doc.keras_version : undefined;
  } catch {
    throw new KerasFileError('invalid_config', `metadata.json is not valid JSON`, METADATA);
  }
}

/** Reads a `.keras` zip: its model config, Keras version and the weights matched to the config's layers. */
export function readKerasZip(bytes: Uint8Array, limits: KerasFileLimits, label: string): KerasModelFile {
  const entries = listZip(bytes, limits, label);
  const find = (name: string) => entries.find((e) => e.name === name);
  const configEntry = find(CONFIG);
  if (!configEntry)
    throw new KerasFileError(
      'missing_config',
      `${label}: the .keras zip has no ${CONFIG} (members: ${entries.map((e) => e.name).join(', ') || 'none'})`,
      CONFIG,
    );
  const weightsEntry = find(WEIGHTS);
  if (!weightsEntry) {
    const npz = find('model.weights.npz') ? ' (it has model.weights.npz, which is not supported)' : '';
    throw new KerasFileError('missing_member', `${label}: the .keras zip has no ${WEIGHTS}${npz}`, WEIGHTS);
  }
  const metadataEntry = find(METADATA);
  const kerasVersion = kerasVersionOf(metadataEntry && text(bytes, metadataEntry, label));
  const modelConfig = parseModelConfig(text(bytes, configEntry, label), CONFIG, label);
  const weightsLabel = `${label}: ${WEIGHTS}`;
  const budget = new ReadBudget(limits.maxWeightBytes, limits.maxHdf5Objects, weightsLabel);
  const store = withH5Read(extractZipEntry(bytes, weightsEntry, label), weightsLabel, (file) =>
    readObjectStore(file, budget),
  );
  return {
    format: 'keras',
    kerasVersion,
    modelConfig,
    weights: matchWeightsToModel(modelConfig, store),
    weightKeys: 'layer',
  };
}
