#!/usr/bin/env node
// The `kiln` command. The CLI is TypeScript run through tsx (a runtime dependency), loaded in this
// same process so Ctrl-C, stdin and exit codes need no relaying. Paths resolve from this file's real
// location, so it works as `npx kiln`, as node_modules/.bin/kiln (a symlink) and run directly.
import { tsImport } from 'tsx/esm/api';

await tsImport(new URL('../src/cli/main.ts', import.meta.url).href, import.meta.url);
