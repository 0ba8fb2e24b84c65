// The `kiln` command: a client of a Kiln server's HTTP and WebSocket api (see src/cli/README.md).
import { parseArgs } from 'node:util';
import { KilnClient } from './client.ts';
import type { Command, CommandContext } from './command.ts';
import { COMMANDS, findCommand } from './commands/index.ts';
import { resolveConfig } from './config.ts';
import { ApiRequestError, CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = `Options of every command:
  --url URL      the Kiln server (default: KILN_URL, else http://localhost:8080)
  --token TOKEN  the api token (default: KILN_API_TOKEN)
  --json         print the api's answer as JSON (watching: one event per line)
  -h, --help     this help

Exit codes: 0 ok, 1 the run failed or was canceled / the api refused, 2 bad usage,
3 server unreachable, 4 token refused, 130 detached with Ctrl-C.`;

function help(command?: Command): string {
  if (command) return `Usage: ${command.usage}\n\n${command.summary}.\n\n${GLOBAL_HELP}`;
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: kiln COMMAND [options]\n\nCommands:\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\n${GLOBAL_HELP}\n\nkiln COMMAND --help shows a command's usage.`;
}

/**
 * Moves options of every command given before the command (`kiln --url URL runs`, as with git or
 * docker) behind it, where the command's parser reads them. Stops at the first argument that is
 * not one of them; alone (`kiln --help`), they stay where they are.
 */
function globalsFirstToLast(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const [flag = '', inline] = argv[i]!.split(/=(.*)/s);
    const name = flag === '-h' ? 'help' : flag.replace(/^--/, '');
    const option = flag.startsWith('-') ? GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS] : undefined;
    if (!option) break;
    i += option.type === 'string' && inline === undefined ? 2 : 1;
  }
  return i === 0 || i >= argv.length ? argv : [...argv.slice(i), ...argv.slice(0, i)];
}

/** Runs the command line and answers the exit code; errors are printed, never thrown. */
export async function main(commandLine: string[]): Promise<number> {
  const argv = globalsFirstToLast(commandLine);
  const found = findCommand(argv);
  if (!found) {
    const wantsHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    (wantsHelp ? process.stdout : process.stderr).write(
      `${wantsHelp ? '' : `kiln: unknown command ${argv[0]}\n\n`}${help()}\n`,
    );
    return wantsHelp ? EXIT.ok : EXIT.usage;
  }
  const { command, rest } = found;
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    json = Boolean(values.json);
    if (values.help) {
      process.stdout.write(`${help(command)}\n`);
      return EXIT.ok;
    }
    const client = new KilnClient(
      resolveConfig({ url: values.url as string | undefined, token: values.token as string | undefined }),
    );
    const ctx: CommandContext = {
      client,
      json,
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      print: (text = '') => void process.stdout.write(`${text}\n`),
      printJson: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    };
    return await command.run(ctx, { values, positionals });
  } catch (error) {
    return report(error, json, command);
  }
}

/** Prints an error (as `{"error": …}` on stderr with --json) and answers its exit code. */
function report(error: unknown, json: boolean, command: Command): number {
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`kiln ${command.name}: ${(error as Error).message}\nUsage: ${command.usage}\n`);
    return EXIT.usage;
  }
  if (!(error instanceof CliError)) {
    process.stderr.write(`kiln: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
  if (json) {
    const body =
      error instanceof ApiRequestError
        ? { status: error.status, code: error.code, message: error.apiMessage, details: error.details }
        : { message: error.message };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    process.stderr.write(`kiln: ${error.message}\n${error.lines.map((l) => `${l}\n`).join('')}`);
  }
  return error.exitCode;
}

// Exits explicitly: an open socket or a stdin listener must not keep a finished command alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`kiln: ${String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
