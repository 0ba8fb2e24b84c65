import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { str, type Command, type CommandContext } from '../command.ts';
import { CliError, usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { keyValues, table } from '../render/table.ts';
import { when } from '../render/time.ts';
import type { DatasetView } from '../api-types.ts';

const samplesText = (s: DatasetView['samples']) => (s ? Object.entries(s).map(([split, n]) => `${split} ${n.toLocaleString('en-US')}`).join(', ') : '');
const shapeText = (shape: number[] | null) => (shape ? `[${shape.join(', ')}]` : '');
const classesText = (classes: string[] | null) => (classes ? (classes.length > 12 ? `${classes.slice(0, 12).join(', ')}, … (${classes.length})` : classes.join(', ')) : '');

export const datasetsCommand: Command = {
  name: 'datasets',
  usage: 'kiln datasets [ID]',
  summary: 'List datasets, or show one',
  async run(ctx, { positionals }) {
    if (positionals[0]) return showDataset(ctx, await getDataset(ctx, positionals[0]));
    const { datasets } = await ctx.client.request<{ datasets: DatasetView[] }>('GET', '/datasets');
    if (ctx.json) ctx.printJson({ datasets });
    else if (datasets.length === 0) ctx.print('No datasets. Upload one: kiln datasets upload FILES… --name NAME');
    else
      ctx.print(
        table(
          ['ID', 'NAME', 'FORMAT', 'STATUS', 'SAMPLES', 'SHAPE', 'CREATED'],
          datasets.map((d) => [d.id, d.name, d.format, d.status, samplesText(d.samples), shapeText(d.inputShape), when(d.createdAt)]),
        ),
      );
    return EXIT.ok;
  },
};

export const datasetsUploadCommand: Command = {
  name: 'datasets upload',
  usage: 'kiln datasets upload FILE… --name NAME [--format F] [--label-column C] [--feature-columns a,b] [--size 28x28] [--channels 1|3] [--no-wait]',
  summary: 'Upload files (IDX, NPY/NPZ, CSV, ZIP of class folders) as a dataset and wait until it is ingested',
  options: {
    name: { type: 'string', short: 'n' },
    format: { type: 'string' },
    'label-column': { type: 'string' },
    'feature-columns': { type: 'string' },
    size: { type: 'string' },
    channels: { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) throw usageError('name the files to upload: kiln datasets upload FILE… --name NAME');
    const name = str(values, 'name');
    if (!name) throw usageError('--name is required: the name the dataset is listed under');
    const form = new FormData();
    const fields: Record<string, string | undefined> = {
      name,
      format: str(values, 'format'),
      labelColumn: str(values, 'label-column'),
      featureColumns: str(values, 'feature-columns'),
      size: str(values, 'size'),
      channels: str(values, 'channels'),
    };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
    for (const path of positionals) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw new CliError(`${path} is not a readable file`, EXIT.usage);
      form.append('files', await openAsBlob(path), basename(path));
    }
    if (!ctx.json) ctx.stderr.write(`Uploading ${positionals.length} file(s)…\n`);
    const created = await ctx.client.request<{ id: string; status: string }>('POST', '/datasets', { body: form });
    if (values['no-wait']) {
      if (ctx.json) ctx.printJson(created);
      else ctx.print(`Dataset ${created.id} ${created.status}`);
      return EXIT.ok;
    }
    if (!ctx.json) ctx.stderr.write(`Dataset ${created.id} ingesting…\n`);
    const dataset = await waitForIngestion(ctx, created.id);
    return showDataset(ctx, dataset);
  },
};

async function getDataset(ctx: CommandContext, id: string) {
  return ctx.client.request<DatasetView>('GET', `/datasets/${encodeURIComponent(id)}`);
}

/** Polls the dataset until a worker has ingested it (or failed to). */
async function waitForIngestion(ctx: CommandContext, id: string): Promise<DatasetView> {
  for (let delay = 200; ; delay = Math.min(2000, delay * 1.5)) {
    const dataset = await getDataset(ctx, id);
    if (dataset.status !== 'ingesting') return dataset;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function showDataset(ctx: CommandContext, d: DatasetView): number {
  if (ctx.json) ctx.printJson(d);
  else
    ctx.print(
      keyValues([
        ['Dataset', `${d.id}  (${d.name})`],
        ['Status', d.status],
        ['Error', d.error],
        ['Format', d.format],
        ['Samples', samplesText(d.samples)],
        ['Input shape', d.inputShape ? `${shapeText(d.inputShape)} ${d.dtype ?? ''}`.trim() : null],
        ['Labels', d.labelKind],
        ['Classes', classesText(d.classes)],
        ['Size', d.sizeBytes === null ? null : `${(d.sizeBytes / 1024 / 1024).toFixed(1)} MB`],
        ['sha256', d.sha256],
      ]),
    );
  return d.status === 'failed' ? EXIT.failed : EXIT.ok;
}
