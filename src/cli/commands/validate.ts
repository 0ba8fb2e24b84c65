import { formatSummary } from '../../engine/model/format-summary.ts';
import type { ModelSummary } from '../../engine/model/types.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { SPEC_OPTIONS, specFromArgs } from './run.ts';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'kiln validate SPEC.yaml|SPEC.json [--set path=value]… [--step train_step.ts]',
  summary: "Check a spec without queueing it and print the model's Keras-style summary",
  options: SPEC_OPTIONS,
  async run(ctx, { values, positionals }) {
    const spec = await specFromArgs(positionals, values, this.usage);
    const answer = await ctx.client.request<{ summary: ModelSummary }>('POST', '/runs', {
      json: spec,
      query: { dryRun: true },
    });
    if (ctx.json) ctx.printJson(answer);
    else ctx.print(formatSummary(answer.summary));
    return EXIT.ok;
  },
};
