import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { CliError, usageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

/** Reads a run spec from a YAML or JSON file (`.json` is parsed as JSON, anything else as YAML). */
export async function readSpec(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  let spec: unknown;
  try {
    spec = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new CliError(
      `${path} is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec))
    throw new CliError(`${path} must hold one object (the run spec)`, EXIT.usage);
  return spec as Record<string, unknown>;
}

/**
 * Applies `--set path=value` overrides: the path is dotted (`fit.epochs`, `model.layers.0.units`),
 * the value is read as YAML (`5` is a number, `true` a boolean, `[1, 2]` a list, `adam` a string).
 * Missing objects on the path are created.
 */
export function applyOverrides(spec: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw usageError(`--set ${override}: expected path=value, e.g. --set fit.epochs=5`);
    const keys = override.slice(0, eq).split('.');
    if (keys.some((k) => k === '')) throw usageError(`--set ${override}: the path has an empty part`);
    const value = YAML.parse(override.slice(eq + 1)) as unknown;
    let node: Record<string, unknown> = spec;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node = node[key] = {};
      else if (typeof next === 'object') node = next as Record<string, unknown>;
      else throw usageError(`--set ${override}: ${key} is ${JSON.stringify(next)}, not an object`);
    }
    node[keys[keys.length - 1]!] = value;
  }
  return spec;
}

const STEP_LANGUAGES: Record<string, 'js' | 'ts'> = { '.js': 'js', '.mjs': 'js', '.ts': 'ts', '.mts': 'ts' };

/**
 * `--step train_step.ts`: the module's text becomes the spec's `train_step` (source and language, by
 * the file's extension); whatever else the spec says of its step (`models`) stays.
 */
export async function attachStep(spec: Record<string, unknown>, path: string): Promise<Record<string, unknown>> {
  const language = STEP_LANGUAGES[extname(path).toLowerCase()];
  if (!language) throw usageError(`--step ${path}: a train step is a .js, .mjs, .ts or .mts module`);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  const given = spec.train_step ?? spec.trainStep;
  delete spec.trainStep;
  spec.train_step = { ...(given && typeof given === 'object' ? given : {}), source, language };
  return spec;
}
