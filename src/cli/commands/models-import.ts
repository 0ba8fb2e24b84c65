import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { str, type Command } from '../command.ts';
import { CliError, usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { readSpec } from '../spec-file.ts';
import type { ModelDetail, ModelImportFields } from '../api-types.ts';
import { printModel } from './models.ts';

/**
 * The `model` field for a .weights.h5: JSON given on the command line as is, else a file (YAML or JSON)
 * holding a Kiln model spec or Keras JSON. A whole run spec works too: its `model` is sent.
 */
async function modelDescription(value: string): Promise<string> {
  if (/^\s*[{[]/.test(value)) return value; // JSON text: the api checks it and names what is wrong
  const read = await readSpec(value);
  const isRunSpec = 'model' in read && ('compile' in read || 'fit' in read || 'dataset' in read);
  const description: ModelImportFields['model'] = isRunSpec ? read.model : read;
  return JSON.stringify(description);
}

export const modelsImportCommand: Command = {
  name: 'models import',
  usage:
    'kiln models import FILE… --name NAME [--labels a,b,…] [--preprocess JSON] [--model SPEC-FILE|JSON]   (FILE: .keras, .h5, .weights.h5, model.json + weights, .tar, .zip)',
  summary:
    'Import a model trained elsewhere (Keras .keras or .h5, .weights.h5 with --model, TensorFlow.js files) as the next version of NAME',
  options: {
    name: { type: 'string', short: 'n' },
    labels: { type: 'string' },
    preprocess: { type: 'string' },
    model: { type: 'string', short: 'm' },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) throw usageError(`name the model files to import: ${this.usage}`);
    const name = str(values, 'name');
    if (!name) throw usageError('--name is required: the model name the files are registered under');
    const model = str(values, 'model');
    const form = new FormData();
    // Text as typed: the api reads labels as JSON or comma-separated, and names a field it refuses.
    const fields: Record<string, string | undefined> = {
      name,
      labels: str(values, 'labels'),
      preprocess: str(values, 'preprocess'),
      model: model === undefined ? undefined : await modelDescription(model),
    };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
    for (const path of positionals) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw new CliError(`${path} is not a readable file`, EXIT.usage);
      form.append('file', await openAsBlob(path), basename(path));
    }
    if (!ctx.json) ctx.stderr.write(`Uploading ${positionals.length} file(s)…\n`);
    const created = await ctx.client.request<ModelDetail>('POST', '/models', { body: form });
    if (ctx.json) ctx.printJson(created);
    else printModel(ctx, created);
    return EXIT.ok;
  },
};
