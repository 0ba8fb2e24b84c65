import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { str, type Command } from '../command.ts';
import { CliError, usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { bar, percent } from '../render/bars.ts';
import type { ClassScore, OutputPrediction } from '../../serving/format-predictions.ts';

const IMAGE_TYPES = new Set(['.png', '.jpg', '.jpeg']);

/** The instances one input file holds, with a name for each: an image is one `{b64}` instance, a JSON file a list. */
async function readInstances(path: string): Promise<Array<{ name: string; instance: unknown }>> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  if (IMAGE_TYPES.has(extname(path).toLowerCase()))
    return [{ name: basename(path), instance: { b64: data.toString('base64') } }];
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new CliError(
      `${path} is neither an image (.png, .jpg) nor valid JSON: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  const instances = Array.isArray(json) ? json : (json as { instances?: unknown })?.instances;
  if (!Array.isArray(instances))
    throw new CliError(`${path}: expected a JSON array of instances, or {"instances": [...]}`, EXIT.usage);
  return instances.map((instance, i) => ({ name: `${basename(path)}[${i}]`, instance }));
}

const className = (s: ClassScore) => s.label ?? String(s.class);

/** One output's prediction as lines: the class with its confidence and the top-k as bars, or the raw values. */
function predictionLines(p: OutputPrediction): string[] {
  if (p.class === undefined) return [`  ${JSON.stringify(p.values)}`];
  const top = p.topK ?? [{ class: p.class, label: p.label ?? null, confidence: p.confidence ?? 0 }];
  const width = Math.max(...top.map((s) => className(s).length));
  return top.map((s) => `  ${className(s).padEnd(width)}  ${bar(s.confidence)}  ${percent(s.confidence).padStart(6)}`);
}

export const predictCommand: Command = {
  name: 'predict',
  usage: 'kiln predict MODEL --input FILE… [--top K]   (FILE: image.png|.jpg, or instances.json)',
  summary: 'Predict with a registered model (id, name, name@version or name@alias); classifiers show the top K classes',
  options: { input: { type: 'string', short: 'i', multiple: true }, top: { type: 'string', short: 'k' } },
  async run(ctx, { values, positionals }) {
    const [model, ...more] = positionals;
    if (!model) throw usageError('name a model: kiln predict MODEL --input FILE…');
    const files = [...(Array.isArray(values.input) ? values.input : []), ...more];
    if (files.length === 0) throw usageError('give at least one --input FILE (an image or a JSON array of instances)');
    const top = str(values, 'top') ?? '3';
    if (!/^[1-9]\d*$/.test(top)) throw usageError(`--top ${top}: expected a positive number`);
    const named = (await Promise.all(files.map(readInstances))).flat();
    const answer = await ctx.client.request<{
      model: { id: string; name: string; version: number };
      predictions: Array<OutputPrediction | Record<string, OutputPrediction>>;
    }>('POST', `/models/${encodeURIComponent(model)}/predict`, {
      json: { instances: named.map((n) => n.instance), topK: Number(top) },
    });
    if (ctx.json) {
      ctx.printJson(answer);
      return EXIT.ok;
    }
    ctx.print(`${answer.model.name} v${answer.model.version} (${answer.model.id})`);
    answer.predictions.forEach((prediction, i) => {
      const single = 'values' in prediction;
      const head =
        single && (prediction as OutputPrediction).class !== undefined
          ? ` → ${className(prediction as ClassScore)}`
          : '';
      ctx.print(`${named[i]?.name ?? `#${i}`}${head}`);
      const outputs = single
        ? [['', prediction as OutputPrediction] as const]
        : Object.entries(prediction as Record<string, OutputPrediction>);
      for (const [output, p] of outputs) {
        if (output) ctx.print(` ${output}${p.class !== undefined ? ` → ${className(p as ClassScore)}` : ''}`);
        predictionLines(p).forEach((line) => ctx.print(line));
      }
    });
    return EXIT.ok;
  },
};
