// Runs test files under test/ with Node's test runner (Node 20's --test takes no globs).
// Files run one at a time: the suites start real api and worker processes on a 2-core machine.
//   node scripts/test.mjs [--only unit|e2e] [path ...]
// `unit` files need neither Redis nor PostgreSQL; `e2e` files (named *.e2e.test.ts) use them and start
// real api and worker processes. Paths narrow the run to the files under them (default: test/).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { only: { type: 'string' } }, allowPositionals: true });
if (values.only !== undefined && values.only !== 'unit' && values.only !== 'e2e') {
  console.error(`--only takes unit or e2e, not ${values.only}`);
  process.exit(2);
}

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => collect(join(path, name)));
}

const isE2e = (file) => file.endsWith('.e2e.test.ts');
const roots = positionals.length ? positionals : ['test'];
const files = roots.flatMap(collect).filter((file) => !values.only || (values.only === 'e2e') === isE2e(file));
if (files.length === 0) {
  console.error('no test files to run');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
