import { firstArg, type Command } from '../command.ts';
import { followRun, type RunEvent } from '../event-stream.ts';
import { EXIT } from '../exit-codes.ts';
import { eventLine } from '../render/event-line.ts';

/**
 * Without -f, a running run's stream never ends: stop once the stored events have come, that is at
 * the first event newer than the command (a live one) or when the stream goes quiet.
 */
const QUIET_MS = 1000;

export const logsCommand: Command = {
  name: 'logs',
  usage: 'kiln logs RUN [-f|--follow] [--batches]',
  summary: "A run's events (status, epochs, checkpoints, logs); -f follows until the run ends",
  options: { follow: { type: 'boolean', short: 'f' }, batches: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const id = firstArg(positionals, this.usage);
    // A plain request first: an unknown run or unreachable server is reported at once, not retried.
    await ctx.client.request('GET', `/runs/${encodeURIComponent(id)}`);
    let quiet: NodeJS.Timeout | undefined;
    const started = Date.now();
    const follower = followRun(ctx.client, id, {
      onEvent: (event: RunEvent) => {
        if (!values.follow) {
          if (Date.parse(event.time) > started) return follower.stop();
          quiet?.refresh();
        }
        if (ctx.json) return ctx.print(JSON.stringify(event));
        if (event.type === 'batch' && !values.batches) return;
        const line = eventLine(event);
        if (line) ctx.print(line);
      },
      onReconnect: ({ since, reason }) =>
        ctx.stderr.write(`connection lost (${reason}); reconnecting from event ${since}…\n`),
    });
    if (!values.follow) quiet = setTimeout(() => follower.stop(), QUIET_MS);
    const stopOnInterrupt = () => follower.stop();
    process.once('SIGINT', stopOnInterrupt);
    try {
      const final = await follower.done;
      if (!values.follow || !final) return EXIT.ok;
      return final.data.status === 'succeeded' ? EXIT.ok : EXIT.failed;
    } finally {
      clearTimeout(quiet);
      process.off('SIGINT', stopOnInterrupt);
    }
  },
};
