import { firstArg, type Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

/** A `kiln … delete REF` command: DELETE the resource REF names, then say so (or print JSON). */
export function deleteCommand(spec: {
  name: string;
  usage: string;
  summary: string;
  noun: string;
  path: (ref: string) => string;
}): Command {
  return {
    name: spec.name,
    usage: spec.usage,
    summary: spec.summary,
    async run(ctx, { positionals }) {
      const ref = firstArg(positionals, spec.usage);
      await ctx.client.request('DELETE', spec.path(ref));
      if (ctx.json) ctx.printJson({ [spec.noun.toLowerCase()]: ref, deleted: true });
      else ctx.print(`${spec.noun} ${ref} deleted`);
      return EXIT.ok;
    },
  };
}
