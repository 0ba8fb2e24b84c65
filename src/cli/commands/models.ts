import { firstArg, str, type Command } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { deleteCommand } from './delete.ts';
import { formatMetrics } from '../render/progress.ts';
import { keyValues, table } from '../render/table.ts';
import { when } from '../render/time.ts';
import { extractTar } from '../untar.ts';
import type { ModelDetail, ModelListItem } from '../api-types.ts';

const modelPath = (ref: string) => `/models/${encodeURIComponent(ref)}`;
const aliasPath = (name: string, alias: string) => `${modelPath(name)}/aliases/${encodeURIComponent(alias)}`;
const shape = (s: unknown[]) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;

export const modelsCommand: Command = {
  name: 'models',
  usage: 'kiln models [MODEL] [--name NAME]',
  summary: 'List registered models (or the versions of one name), or show one model',
  options: { name: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals[0]) {
      const m = await ctx.client.request<ModelDetail>('GET', modelPath(positionals[0]));
      if (ctx.json) ctx.printJson(m);
      else
        ctx.print(
          keyValues([
            ['Model', `${m.name} v${m.version}  (${m.id})`],
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
      return EXIT.ok;
    }
    const page = await ctx.client.request<{ models: ModelListItem[]; nextCursor: string | null }>('GET', '/models', {
      query: { name: str(values, 'name'), limit: str(values, 'limit'), cursor: str(values, 'cursor') },
    });
    if (ctx.json) {
      ctx.printJson(page);
      return EXIT.ok;
    }
    if (page.models.length === 0) ctx.print('No models. A run that succeeds registers one.');
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

export const modelsDownloadCommand: Command = {
  name: 'models download',
  usage: 'kiln models download MODEL [-o DIR]',
  summary: 'Download a model in TensorFlow.js layers format (model.json + weights) into DIR (default ./NAME-vVERSION)',
  options: { output: { type: 'string', short: 'o' } },
  async run(ctx, { values, positionals }) {
    const ref = firstArg(positionals, this.usage);
    // The download route takes an id; the registry resolves names, versions and aliases to one.
    const model = await ctx.client.request<ModelDetail>('GET', modelPath(ref));
    const dir = str(values, 'output') ?? `${model.name}-v${model.version}`;
    const response = await ctx.client.fetch('GET', `${modelPath(model.id)}/download`);
    const files = await extractTar(response.body!, dir, 1);
    if (ctx.json) ctx.printJson({ model: { id: model.id, name: model.name, version: model.version }, dir, files });
    else ctx.print(`${model.name} v${model.version} → ${dir}/ (${files.join(', ')})`);
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
