import { firstArg, type Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const cancelCommand: Command = {
  name: 'cancel',
  usage: 'kiln cancel RUN',
  summary: 'Cancel a queued or running run (a running one stops within one batch)',
  async run(ctx, { positionals }) {
    const id = firstArg(positionals, this.usage);
    const answer = await ctx.client.request<{ id: string; status: string }>(
      'POST',
      `/runs/${encodeURIComponent(id)}/cancel`,
    );
    if (ctx.json) ctx.printJson(answer);
    else ctx.print(`Run ${answer.id}: ${answer.status}`);
    return EXIT.ok;
  },
};
