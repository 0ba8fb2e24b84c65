import { list, str, type Command } from '../command.ts';
import { deleteCommand } from './delete.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../render/table.ts';
import { duration, when } from '../render/time.ts';
import type { RunListItem } from '../api-types.ts';

export const runsCommand: Command = {
  name: 'runs',
  usage: 'kiln runs [--status queued,running,succeeded,failed,canceled]… [--limit N] [--cursor C]',
  summary: 'List runs, newest first',
  options: { status: { type: 'string', multiple: true }, limit: { type: 'string' }, cursor: { type: 'string' } },
  async run(ctx, { values }) {
    const limit = str(values, 'limit');
    if (limit !== undefined && !/^\d+$/.test(limit)) throw usageError(`--limit ${limit}: expected a number`);
    const page = await ctx.client.request<{ runs: RunListItem[]; nextCursor: string | null }>('GET', '/runs', {
      query: { status: list(values, 'status'), limit, cursor: str(values, 'cursor') },
    });
    if (ctx.json) {
      ctx.printJson(page);
      return EXIT.ok;
    }
    if (page.runs.length === 0) ctx.print('No runs.');
    else
      ctx.print(
        table(
          ['ID', 'NAME', 'STATUS', 'CREATED', 'DURATION', 'MODEL / ERROR'],
          page.runs.map((r) => [
            r.id,
            r.name,
            r.status,
            when(r.createdAt),
            duration(r.startedAt, r.finishedAt),
            r.modelId ?? r.error?.message ?? '',
          ]),
        ),
      );
    if (page.nextCursor) ctx.print(`More: kiln runs --cursor ${page.nextCursor}`);
    return EXIT.ok;
  },
};

export const runsDeleteCommand = deleteCommand({
  name: 'runs delete',
  usage: 'kiln runs delete RUN',
  summary: 'Delete a finished run and its artifacts (a queued or running one: cancel it first)',
  noun: 'Run',
  path: (id) => `/runs/${encodeURIComponent(id)}`,
});
