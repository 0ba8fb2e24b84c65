import type { Command } from '../command.ts';
import { cancelCommand } from './cancel.ts';
import { datasetsCommand, datasetsDeleteCommand, datasetsFetchCommand, datasetsUploadCommand } from './datasets.ts';
import { logsCommand } from './logs.ts';
import {
  modelsAliasCommand,
  modelsCommand,
  modelsDeleteCommand,
  modelsDownloadCommand,
  modelsUnaliasCommand,
} from './models.ts';
import { modelsEvaluateCommand } from './models-evaluate.ts';
import { modelsImportCommand } from './models-import.ts';
import { predictCommand } from './predict.ts';
import { runCommand, watchCommand } from './run.ts';
import { runsCommand, runsDeleteCommand } from './runs.ts';
import { showCommand } from './show.ts';
import { validateCommand } from './validate.ts';

/** Every command, in the order `kiln --help` lists them. */
export const COMMANDS: Command[] = [
  runCommand,
  validateCommand,
  watchCommand,
  runsCommand,
  showCommand,
  logsCommand,
  cancelCommand,
  runsDeleteCommand,
  datasetsCommand,
  datasetsUploadCommand,
  datasetsFetchCommand,
  datasetsDeleteCommand,
  modelsCommand,
  modelsImportCommand,
  modelsDownloadCommand,
  modelsEvaluateCommand,
  modelsAliasCommand,
  modelsUnaliasCommand,
  modelsDeleteCommand,
  predictCommand,
];

/** The command named by the first one or two words of argv, and the arguments after them. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}
