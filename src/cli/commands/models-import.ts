import { str, type Command } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { uploadForm } from '../multipart.ts';
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
    // Text as typed: the api reads labels as JSON or comma-separated, and names a field it refuses.
    const form = await uploadForm(
      {
        name,
        labels: str(values, 'labels'),
        preprocess: str(values, 'preprocess'),
        model: model === undefined ? undefined : await modelDescription(model),
      },
      'file',
      positionals,
    );
    if (!ctx.json) ctx.stderr.write(`Uploading ${positionals.length} file(s)…\n`);
    const created = await ctx.client.request<ModelDetail>('POST', '/models', { body: form });
    if (ctx.json) ctx.printJson(created);
    else printModel(ctx, created);
    return EXIT.ok;
  },
};
