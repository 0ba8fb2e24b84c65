import * as tf from '@tensorflow/tfjs';
import { KilnError } from '../../domain/errors.ts';
import type { ModelSource } from '../../domain/model.ts';
import { loadKerasModel, readKerasModelFile, type KerasFileLimits } from '../keras-files/index.ts';
import { buildModel, validateModelSpec } from '../model/index.ts';
import { kerasConfigOf } from './kiln-config.ts';

/** One uploaded file, by the name it was uploaded as. */
export interface ModelFile {
  name: string;
  data: Uint8Array;
}

export interface ImportOptions {
  /**
   * The model a weights-only file (`.weights.h5`) belongs to: a Kiln model spec (`{type: 'sequential'
   * | 'functional' | 'keras', …}`) or Keras JSON (`model.to_json()`).
   */
  description?: unknown;
  /** KILN_MAX_PARAMS. */
  maxParams: number;
  limits?: Partial<KerasFileLimits>;
}

export interface ImportedModel {
  model: tf.LayersModel;
  source: Extract<ModelSource, { kind: 'import' }>;
}

const refused = (message: string, path = 'file') =>
  new KilnError('invalid_model_file', message, { issues: [{ path, message }] });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Builds a model from uploaded files: a Keras 3 `.keras`, a legacy Keras `.h5`, a `.weights.h5` with
 * its description, or a TensorFlow.js layers model (`model.json` and its weight files). Every model
 * goes through Kiln's builder, so what is imported can be served, exported, fine-tuned and extended
 * like a model Kiln trained. Anything it cannot build is a 400 naming the layer, the weight or the reason.
 */
export async function importModel(files: ModelFile[], opts: ImportOptions): Promise<ImportedModel> {
  try {
    return await importFiles(files, opts);
  } catch (error) {
    // A refusal that names no field is about the uploaded files.
    if (error instanceof KilnError && error.issues.length === 0) {
      throw new KilnError(error.code, error.message, {
        issues: [{ path: 'file', message: error.message }],
        details: error.details,
      });
    }
    throw error;
  }
}

async function importFiles(files: ModelFile[], opts: ImportOptions): Promise<ImportedModel> {
  if (files.length === 0) throw refused('upload the model as one or more file parts');
  const modelJson = files.find((f) => baseName(f.name) === 'model.json');
  if (modelJson) return importTfjs(modelJson, files, opts);
  const kerasFiles = files.filter((f) => /\.(keras|h5|hdf5)$/i.test(f.name));
  if (kerasFiles.length !== 1 || files.length !== 1) {
    throw refused(
      `expected one .keras, .h5 or .weights.h5 file, or a TensorFlow.js model.json with its weight files; got ${files.map((f) => f.name).join(', ')}`,
    );
  }
  const file = kerasFiles[0]!;
  const read = readKerasModelFile(file.data, file.name, { limits: opts.limits });
  const modelConfig = read.modelConfig ? undefined : descriptionConfig(opts.description, read.format, opts.maxParams);
  const model = loadKerasModel(read, { maxParams: opts.maxParams, modelConfig });
  return {
    model,
    source: {
      kind: 'import',
      format: read.format,
      file: file.name,
      ...(read.kerasVersion ? { kerasVersion: read.kerasVersion } : {}),
    },
  };
}

/** The Keras JSON a weights-only file is matched against: given as Keras JSON, or built from a Kiln spec. */
function descriptionConfig(description: unknown, format: string, maxParams: number): Record<string, unknown> {
  if (description === undefined) {
    throw refused(
      `a ${format} file holds weights only: give the model it belongs to in the \`model\` field (a Kiln model spec or Keras JSON)`,
      'model',
    );
  }
  if (!isObject(description)) throw refused('must be a JSON object: a Kiln model spec or Keras JSON', 'model');
  if (typeof description.class_name === 'string') return description;
  if (description.type === 'keras' && isObject(description.config)) return description.config;
  const checked = validateModelSpec(description, { maxParams });
  if (!checked.ok) throw KilnError.invalid(checked.errors, 'invalid_model_file');
  const built = buildModel(description, { seed: 0, maxParams });
  try {
    return kerasConfigOf(built);
  } finally {
    built.dispose();
  }
}

/** A TensorFlow.js layers model: model.json and the weight files its manifest names. */
async function importTfjs(modelJson: ModelFile, files: ModelFile[], opts: ImportOptions): Promise<ImportedModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(modelJson.data)) as tf.io.ModelJSON;
  } catch (error) {
    throw refused(`model.json is not JSON: ${(error as Error).message}`, modelJson.name);
  }
  if (!isObject(json) || !isObject(json.modelTopology) || !Array.isArray(json.weightsManifest)) {
    throw refused(
      'model.json is not a TensorFlow.js layers model (it needs modelTopology and weightsManifest)',
      modelJson.name,
    );
  }
  const byName = new Map(files.map((f) => [baseName(f.name), f]));
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const parts = json.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const part = byName.get(baseName(path));
      if (!part) throw refused(`model.json names the weight file "${path}", which was not uploaded`, path);
      return part.data;
    }),
  );
  const weightData = concat(parts);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weightData.byteLength !== expected) {
    throw refused(
      `the weight files hold ${weightData.byteLength} bytes but model.json's manifest needs ${expected}`,
      'weightsManifest',
    );
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }),
    );
  } catch (error) {
    throw refused(`TensorFlow.js cannot load this model: ${(error as Error).message}`, modelJson.name);
  }
  // Only models of Kiln's layer set are accepted, so that each can be exported, extended and fine-tuned.
  const checked = validateModelSpec({ type: 'keras', config: kerasConfigOf(model) }, { maxParams: opts.maxParams });
  if (!checked.ok) {
    model.dispose();
    throw KilnError.invalid(checked.errors, 'invalid_model_file');
  }
  return { model, source: { kind: 'import', format: 'tfjs', file: modelJson.name } };
}

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

function concat(parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}
