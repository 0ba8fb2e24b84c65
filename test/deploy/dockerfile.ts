/**
 * A small Dockerfile reader for the consistency tests: instructions grouped by build stage, with
 * continuation lines joined and comments dropped. Enough for Kiln's Dockerfile, not a full parser.
 */

export interface Instruction {
  /** Upper-cased keyword: FROM, COPY, RUN, CMD, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The stage's name (`AS name`), or its index when unnamed. */
  name: string;
  /** What it is built FROM: an image, or an earlier stage's name. */
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into stages of instructions. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return; // comments may sit between continuation lines
    const continues = line.endsWith('\\');
    const body = continues ? line.slice(0, -1) : line;
    pending = pending ? { text: `${pending.text} ${body}`, line: pending.line } : { text: body, line: index + 1 };
    if (continues) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim())!;
    instructions.push({
      keyword: match[1]!.toUpperCase(),
      args: match[2]!.replace(/\s+/g, ' ').trim(),
      line: pending.line,
    });
    pending = undefined;
  });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.split(' ').filter((word) => !word.startsWith('--'));
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        base: base!,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key, value = ''] = instruction.args.split('=');
        globalArgs[key!] = value;
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The flags (`--from=build`, `--chmod=755`) and the words of a COPY/ADD instruction. */
export function copyParts(args: string): { flags: Record<string, string>; sources: string[]; destination: string } {
  const words = args.split(' ');
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [key, value = ''] = words.shift()!.slice(2).split('=');
    flags[key!] = value;
  }
  if (words[0]?.startsWith('[')) {
    const list = JSON.parse(words.join(' ')) as string[];
    return { flags, sources: list.slice(0, -1), destination: list.at(-1)! };
  }
  return { flags, sources: words.slice(0, -1), destination: words.at(-1)! };
}

/** The argv of an exec-form CMD/ENTRYPOINT (`["node", "x.ts"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : undefined;
}

/** The stage and every stage it is built FROM, nearest first. */
export function lineage(dockerfile: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages.find((s) => s.name === name);
  while (stage) {
    chain.push(stage);
    const base = stage.base;
    stage = dockerfile.stages.find((s) => s.name === base);
  }
  return chain;
}

/** The last value an instruction of the lineage gives (WORKDIR, USER, CMD, ...), nearest stage first. */
export function lastOf(dockerfile: Dockerfile, stageName: string, keyword: string): Instruction | undefined {
  for (const stage of lineage(dockerfile, stageName)) {
    const found = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return found;
  }
  return undefined;
}
