import { firstArg, str, type Command, type CommandContext } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { deleteCommand } from './delete.ts';
import { uploadForm } from '../multipart.ts';
import { keyValues, table } from '../render/table.ts';
import { when } from '../render/time.ts';
import type { DatasetView } from '../api-types.ts';

const samplesText = (s: DatasetView['samples']) =>
  s
    ? Object.entries(s)
        .map(([split, n]) => `${split} ${n.toLocaleString('en-US')}`)
        .join(', ')
    : '';
const shapeText = (shape: number[] | null) => (shape ? `[${shape.join(', ')}]` : '');
const classesText = (classes: string[] | null) =>
  classes
    ? classes.length > 12
      ? `${classes.slice(0, 12).join(', ')}, … (${classes.length})`
      : classes.join(', ')
    : '';

type NamedArrays = NonNullable<DatasetView['arrays']>;
/** A dataset of named arrays by name; the api's order is its JSON store's, not the file's. */
const byName = (arrays: NamedArrays) => Object.entries(arrays).sort(([a], [b]) => a.localeCompare(b));
const value = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
const rangeText = (range: NamedArrays[string]['range']) =>
  range ? `${value(range.min)} … ${value(range.max)}${range.integers ? ' (integers)' : ''}` : '';
/** The list's SHAPE column: the input shape, or a named-array dataset's array names. */
const listShape = (d: DatasetView) =>
  d.arrays
    ? `arrays: ${byName(d.arrays)
        .map(([name]) => name)
        .join(', ')}`
    : shapeText(d.inputShape);

/** A named-array dataset's arrays: name, dtype, one sample's shape ([] for one value), value range. */
function arraysTable(arrays: NamedArrays): string {
  return table(
    ['ARRAY', 'DTYPE', 'SHAPE', 'RANGE'],
    byName(arrays).map(([name, a]) => [name, a.dtype, shapeText(a.shape), rangeText(a.range)]),
  );
}

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
          datasets.map((d) => [
            d.id,
            d.name,
            d.format,
            d.status,
            samplesText(d.samples),
            listShape(d),
            when(d.createdAt),
          ]),
        ),
      );
    return EXIT.ok;
  },
};

export const datasetsUploadCommand: Command = {
  name: 'datasets upload',
  usage:
    'kiln datasets upload FILE… --name NAME [--format F] [--label-column C | --label-columns a,b] [--feature-columns a,b] [--categorical-columns c] [--size 28x28] [--channels 1|3] [--no-wait]',
  summary:
    'Upload files (IDX, NPY/NPZ, CSV, ZIP of class folders) as a dataset and wait until it is ingested; .npz and .npy files of named arrays may mix',
  options: {
    name: { type: 'string', short: 'n' },
    format: { type: 'string' },
    'label-column': { type: 'string' },
    'label-columns': { type: 'string' },
    'feature-columns': { type: 'string' },
    'categorical-columns': { type: 'string' },
    size: { type: 'string' },
    channels: { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) throw usageError('name the files to upload: kiln datasets upload FILE… --name NAME');
    const name = str(values, 'name');
    if (!name) throw usageError('--name is required: the name the dataset is listed under');
    const form = await uploadForm(
      {
        name,
        format: str(values, 'format'),
        labelColumn: str(values, 'label-column'),
        labelColumns: str(values, 'label-columns'),
        featureColumns: str(values, 'feature-columns'),
        categoricalColumns: str(values, 'categorical-columns'),
        size: str(values, 'size'),
        channels: str(values, 'channels'),
      },
      'files',
      positionals,
    );
    if (!ctx.json) ctx.stderr.write(`Uploading ${positionals.length} file(s)…\n`);
    const created = await ctx.client.request<{ id: string; status: string }>('POST', '/datasets', { body: form });
    return settle(ctx, created, values['no-wait'] === true);
  },
};

export const datasetsFetchCommand: Command = {
  name: 'datasets fetch',
  usage: 'kiln datasets fetch URL --name NAME [--sha256 HEX] [--no-wait]',
  summary:
    'Register a dataset the api downloads from a URL (checked against --sha256 when given) and wait until it is ingested',
  options: { name: { type: 'string', short: 'n' }, sha256: { type: 'string' }, 'no-wait': { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const url = firstArg(positionals, this.usage);
    const name = str(values, 'name');
    if (!name) throw usageError('--name is required: the name the dataset is listed under');
    const created = await ctx.client.request<{ id: string; status: string }>('POST', '/datasets', {
      json: { name, url, sha256: str(values, 'sha256') },
    });
    return settle(ctx, created, values['no-wait'] === true);
  },
};

export const datasetsDeleteCommand = deleteCommand({
  name: 'datasets delete',
  usage: 'kiln datasets delete ID',
  summary: 'Delete a dataset and its files (refused while a queued or running run uses it)',
  noun: 'Dataset',
  path: (id) => `/datasets/${encodeURIComponent(id)}`,
});

/** After registering: print the new dataset right away (--no-wait), or wait for ingestion and show it. */
async function settle(ctx: CommandContext, created: { id: string; status: string }, noWait: boolean): Promise<number> {
  if (noWait) {
    if (ctx.json) ctx.printJson(created);
    else ctx.print(`Dataset ${created.id} ${created.status}`);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.stderr.write(`Dataset ${created.id} ingesting…\n`);
  return showDataset(ctx, await waitForIngestion(ctx, created.id));
}

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
  else {
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
    // What a run maps to its model's inputs and outputs (`dataset.inputs` / `dataset.outputs`).
    if (d.arrays) ctx.print(`\n${arraysTable(d.arrays)}`);
  }
  return d.status === 'failed' ? EXIT.failed : EXIT.ok;
}
