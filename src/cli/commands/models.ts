import { firstArg, str, type Command, type CommandContext } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { deleteCommand } from './delete.ts';
import { formatMetrics } from '../render/progress.ts';
import { keyValues, table } from '../render/table.ts';
import { when } from '../render/time.ts';
import { attachmentName, formatBytes, outputFile, writeBody } from '../download.ts';
import { extractTar } from '../untar.ts';
import type { ExportFormat } from '../../domain/model.ts';
import type { ModelDetail, ModelListItem, ModelSource } from '../api-types.ts';

export const modelPath = (ref: string) => `/models/${encodeURIComponent(ref)}`;
const aliasPath = (name: string, alias: string) => `${modelPath(name)}/aliases/${encodeURIComponent(alias)}`;
const shape = (s: unknown[]) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;

/** Where a version came from: the file it was imported from, or the run checkpoint it was registered from. */
export function sourceText(source: ModelSource | null): string | null {
  if (!source) return null;
  if (source.kind === 'checkpoint')
    return `${source.checkpoint} checkpoint of run ${source.runId} (epoch ${source.epoch})`;
  const saved = source.kerasVersion ? `, saved by Keras ${source.kerasVersion}` : '';
  return `imported from ${source.file} (${source.format}${saved})`;
}

/** A model version as `kiln models MODEL` shows it (and `kiln models import` once it is registered). */
export function printModel(ctx: CommandContext, m: ModelDetail): void {
  ctx.print(
    keyValues([
      ['Model', `${m.name} v${m.version}  (${m.id})`],
      ['Source', sourceText(m.source)],
      ['Aliases', m.aliases.join(', ')],
      ['Run', m.runId],
      ['Created', when(m.createdAt)],
      ['Inputs', (m.signature.inputs ?? []).map((i) => `${i.name} ${shape(i.shape)}`).join(', ')],
      ['Outputs', (m.signature.outputs ?? []).map((o) => `${o.name} ${shape(o.shape)}`).join(', ')],
      ['Labels', m.labels ? m.labels.join(', ') : null],
      ['Preprocessing', m.preprocessing ? JSON.stringify(m.preprocessing) : null],
      ['Evaluation', m.evaluation ? formatMetrics(m.evaluation).replace(/^ - /, '') : null],
      ['Serving', m.serving],
      ['Files', m.files.join(', ')],
    ]),
  );
}

export const modelsCommand: Command = {
  name: 'models',
  usage: 'kiln models [MODEL] [--name NAME]',
  summary: 'List registered models (or the versions of one name), or show one model',
  options: { name: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals[0]) {
      const m = await ctx.client.request<ModelDetail>('GET', modelPath(positionals[0]));
      if (ctx.json) ctx.printJson(m);
      else printModel(ctx, m);
      return EXIT.ok;
    }
    const page = await ctx.client.request<{ models: ModelListItem[]; nextCursor: string | null }>('GET', '/models', {
      query: { name: str(values, 'name'), limit: str(values, 'limit'), cursor: str(values, 'cursor') },
    });
    if (ctx.json) {
      ctx.printJson(page);
      return EXIT.ok;
    }
    if (page.models.length === 0)
      ctx.print('No models. A run that succeeds registers one; or import one: kiln models import FILE… --name NAME');
    else
      ctx.print(
        table(
          ['ID', 'NAME', 'VERSION', 'ALIASES', 'RUN', 'CREATED'],
          page.models.map((m) => [m.id, m.name, m.version, m.aliases.join(','), m.runId, when(m.createdAt)]),
        ),
      );
    if (page.nextCursor) ctx.print(`More: kiln models --cursor ${page.nextCursor}`);
    return EXIT.ok;
  },
};

/** What each download format is, as `--help` says it (a format the api adds fails the typecheck here). */
const DOWNLOAD_FORMATS: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js layers format (model.json + weights), unpacked into DIR (default ./NAME-vVERSION)',
  keras: 'one Keras 3 .keras file',
  h5: 'one legacy Keras .h5 file',
};
const isFormat = (f: string): f is ExportFormat => Object.hasOwn(DOWNLOAD_FORMATS, f);

export const modelsDownloadCommand: Command = {
  name: 'models download',
  usage: 'kiln models download MODEL [--format tfjs|keras|h5] [-o PATH]',
  summary: `Download a model, its preprocessing built in as layers: ${Object.entries(DOWNLOAD_FORMATS)
    .map(([f, what]) => `${f}, ${what}`)
    .join('; ')}`,
  options: { output: { type: 'string', short: 'o' }, format: { type: 'string', short: 'f' } },
  async run(ctx, { values, positionals }) {
    const ref = firstArg(positionals, this.usage);
    const format = str(values, 'format') ?? 'tfjs';
    if (!isFormat(format))
      throw usageError(`--format ${format}: expected one of ${Object.keys(DOWNLOAD_FORMATS).join(', ')}`);
    // Resolved first, so the files are those of one version even if an alias moves meanwhile.
    const model = await ctx.client.request<ModelDetail>('GET', modelPath(ref));
    const about = { id: model.id, name: model.name, version: model.version };
    const response = await ctx.client.fetch('GET', `${modelPath(model.id)}/download`, { query: { format } });
    if (format === 'tfjs') {
      const dir = str(values, 'output') ?? `${model.name}-v${model.version}`;
      const files = await extractTar(response.body!, dir, 1);
      if (ctx.json) ctx.printJson({ model: about, format, dir, files });
      else ctx.print(`${model.name} v${model.version} → ${dir}/ (${files.join(', ')})`);
      return EXIT.ok;
    }
    const fileName =
      attachmentName(response.headers.get('content-disposition')) ?? `${model.name}-v${model.version}.${format}`;
    const path = await outputFile(str(values, 'output'), fileName);
    const bytes = await writeBody(response.body!, path);
    if (ctx.json) ctx.printJson({ model: about, format, file: path, bytes });
    else ctx.print(`${model.name} v${model.version} → ${path} (${formatBytes(bytes)})`);
    return EXIT.ok;
  },
};

export const modelsAliasCommand: Command = {
  name: 'models alias',
  usage: 'kiln models alias NAME ALIAS VERSION',
  summary: 'Point an alias (e.g. production) at a version; NAME@ALIAS then predicts with it',
  async run(ctx, { positionals }) {
    const [name, alias, version] = positionals;
    if (!name || !alias || !version) throw usageError(`name the model, the alias and the version: ${this.usage}`);
    if (!/^\d+$/.test(version)) throw usageError(`VERSION ${version}: expected a version number`);
    const answer = await ctx.client.request<{ name: string; alias: string; version: number }>(
      'PUT',
      aliasPath(name, alias),
      { json: { version: Number(version) } },
    );
    if (ctx.json) ctx.printJson(answer);
    else ctx.print(`${answer.name}@${answer.alias} → v${answer.version}`);
    return EXIT.ok;
  },
};

export const modelsUnaliasCommand: Command = {
  name: 'models unalias',
  usage: 'kiln models unalias NAME ALIAS',
  summary: 'Remove an alias',
  async run(ctx, { positionals }) {
    const [name, alias] = positionals;
    if (!name || !alias) throw usageError(`name the model and the alias: ${this.usage}`);
    await ctx.client.request('DELETE', aliasPath(name, alias));
    if (ctx.json) ctx.printJson({ name, alias, deleted: true });
    else ctx.print(`${name}@${alias} removed`);
    return EXIT.ok;
  },
};

export const modelsDeleteCommand = deleteCommand({
  name: 'models delete',
  usage: 'kiln models delete MODEL',
  summary: 'Delete one model version (an id or NAME@VERSION) and its files; refused while an alias points at it',
  noun: 'Model',
  path: modelPath,
});
