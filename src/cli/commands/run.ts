import { firstArg, type Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { applyOverrides, attachStep, readSpec } from '../spec-file.ts';
import { watchRun } from '../watch.ts';

/** Reads the spec file named by the first positional, with --set overrides applied and --step's module attached. */
export async function specFromArgs(
  positionals: string[],
  values: { set?: unknown; step?: unknown },
  usage: string,
): Promise<Record<string, unknown>> {
  const file = firstArg(positionals, usage);
  const spec = applyOverrides(await readSpec(file), Array.isArray(values.set) ? values.set : []);
  return typeof values.step === 'string' ? attachStep(spec, values.step) : spec;
}

export const SPEC_OPTIONS = { set: { type: 'string', multiple: true }, step: { type: 'string' } } as const;

export const runCommand: Command = {
  name: 'run',
  usage: 'kiln run SPEC.yaml|SPEC.json [--set path=value]… [--step train_step.ts] [--watch]',
  summary: 'Submit a training run; with --watch, show its progress to the end',
  options: { ...SPEC_OPTIONS, watch: { type: 'boolean', short: 'w' } },
  async run(ctx, { values, positionals }) {
    const spec = await specFromArgs(positionals, values, this.usage);
    const created = await ctx.client.request<{ id: string; status: string }>('POST', '/runs', { json: spec });
    if (ctx.json && !values.watch) {
      ctx.printJson(created);
      return EXIT.ok;
    }
    if (!ctx.json) ctx.print(`Run ${created.id} ${created.status}`);
    if (!values.watch) {
      ctx.print(`Watch it: kiln watch ${created.id}`);
      return EXIT.ok;
    }
    return watchRun(ctx, created.id);
  },
};

export const watchCommand: Command = {
  name: 'watch',
  usage: 'kiln watch RUN',
  summary: "Show a run's progress (from its first epoch) until it ends",
  async run(ctx, { positionals }) {
    const id = firstArg(positionals, this.usage);
    return watchRun(ctx, id);
  },
};
