import type { EvaluationData } from '../domain/run-event.ts';
import type { CommandContext } from './command.ts';
import { followRun, type RunEvent } from './event-stream.ts';
import { EXIT } from './exit-codes.ts';
import { ask } from './prompt.ts';
import { WatchDisplay } from './watch-display.ts';

export interface WatchOptions {
  /**
   * For a run that only evaluates a model (`kiln models evaluate`): no model is waited for once it
   * succeeded; this gets the evaluation its events carried instead (not with --json).
   */
  evaluated?: (evaluation: EvaluationData | undefined) => Promise<void> | void;
}

/**
 * Watches a run to its end with Keras-style progress (or, with --json, one event per line), and
 * answers the exit code: 0 if it succeeded, 1 if it failed or was canceled, 130 if the user
 * detached with Ctrl-C. Ctrl-C asks whether to cancel the run on the server or only detach.
 */
export async function watchRun(ctx: CommandContext, runId: string, options: WatchOptions = {}): Promise<number> {
  const display = new WatchDisplay({
    write: (s) => ctx.stdout.write(s),
    isTTY: Boolean(ctx.stdout.isTTY),
    columns: ctx.stdout.columns,
  });
  let evaluation: EvaluationData | undefined;
  const show = (event: RunEvent) => {
    if (event.type === 'evaluation') evaluation = event.data;
    if (ctx.json) ctx.print(JSON.stringify(event));
    else display.handle(event);
  };
  // While the Ctrl-C question is on screen, events wait so progress lines do not overwrite it.
  let held: RunEvent[] | undefined;
  const follower = followRun(ctx.client, runId, {
    onEvent: (event) => (held ? held.push(event) : show(event)),
    onReconnect: ({ since, reason }) => {
      display.closeLine();
      ctx.stderr.write(`connection lost (${reason}); reconnecting from event ${since}…\n`);
    },
  });

  const onInterrupt = async () => {
    if (held) return follower.stop(); // a second Ctrl-C while asking: detach at once
    held = [];
    display.closeLine();
    const answer = (
      await ask(
        ctx.stdin,
        ctx.stderr,
        `\nCancel run ${runId} on the server (c), detach and leave it running (d), or keep watching (w)? [c/d/w, default d] `,
      )
    )?.toLowerCase();
    if (answer === undefined) ctx.stderr.write('\n');
    if (answer === 'c' || answer === 'cancel') {
      ctx.stderr.write(`Canceling run ${runId}…\n`);
      await ctx.client
        .request('POST', `/runs/${encodeURIComponent(runId)}/cancel`)
        .catch((error: Error) => ctx.stderr.write(`could not cancel: ${error.message}\n`));
    } else if (answer !== 'w' && answer !== 'watch') {
      follower.stop();
    }
    const waiting = held;
    held = undefined;
    waiting.forEach(show);
  };
  const listener = () => void onInterrupt();
  process.on('SIGINT', listener);
  let final: RunEvent | undefined;
  try {
    final = await follower.done;
  } finally {
    process.off('SIGINT', listener);
    held?.forEach(show);
    display.closeLine();
  }

  if (!final) {
    ctx.stderr.write(`Detached; run ${runId} goes on. Watch it again with: kiln watch ${runId}\n`);
    return EXIT.interrupted;
  }
  if (final.data.status !== 'succeeded') return EXIT.failed;
  if (options.evaluated) {
    if (!ctx.json) await options.evaluated(evaluation);
  } else if (!ctx.json) {
    const modelId = await registeredModel(ctx, runId);
    if (modelId) ctx.print(`Model: ${modelId}  (kiln predict ${modelId} --input …)`);
  }
  return EXIT.ok;
}

/** The run's model id. The stream can announce success a moment before the api has stored it, so this polls briefly. */
async function registeredModel(ctx: CommandContext, runId: string): Promise<string | null> {
  for (let i = 0; i < 20; i++) {
    const run = await ctx.client.request<{ status: string; modelId: string | null }>(
      'GET',
      `/runs/${encodeURIComponent(runId)}`,
    );
    if (run.modelId || (run.status === 'succeeded' && i >= 10)) return run.modelId;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}
