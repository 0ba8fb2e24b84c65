import type { ParseArgsConfig } from 'node:util';
import type { KilnClient } from './client.ts';
import { usageError } from './errors.ts';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What every command gets: the api client, the output streams and whether to answer JSON. */
export interface CommandContext {
  client: KilnClient;
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Prints a line to stdout. */
  print(text?: string): void;
  /** Prints a value as indented JSON to stdout (the `--json` output). */
  printJson(value: unknown): void;
}

/** Parsed options of a command: strings, booleans and repeated strings. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** One `kiln` command: its words (`models download`), usage, options and what it does. Answers the exit code. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  options?: OptionSpecs;
  run(ctx: CommandContext, args: { values: Values; positionals: string[] }): Promise<number>;
}

/** The string value of an option, or undefined. */
export const str = (values: Values, key: string) =>
  typeof values[key] === 'string' ? (values[key] as string) : undefined;

/** The list of a repeatable option; each entry may also be comma-separated. */
export const list = (values: Values, key: string) => {
  const v = values[key];
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap((s) => s.split(',')).filter(Boolean);
};

/** The first positional argument (a run, model or dataset), or a usage error naming what is missing. */
export function firstArg(positionals: string[], usage: string): string {
  if (!positionals[0]) throw usageError(`missing argument: ${usage}`);
  return positionals[0];
}
