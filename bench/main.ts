// The one benchmark entry point: `npm run bench` runs the default parts, `npm run bench -- <part>`
// runs the named ones. Every part returns BenchResult rows, printed and saved to bench/results/.
// Parts load lazily, so a part's dependencies are only imported when it runs.
import { printResults, writeResults, type BenchResult } from './lib/results.ts';

interface Part {
  run: () => Promise<BenchResult[]>;
  /** Opt-in parts are slow (or belong to another area) and only run when named. */
  optIn: boolean;
}

// Default parts run in this order; profile goes first so the slow cpu run cannot disturb it.
const PARTS: Record<string, Part> = {
  profile: { run: async () => (await import('./profile.ts')).runProfile(), optIn: false },
  training: { run: async () => (await import('./training.ts')).runTraining(), optIn: false },
  'loss-curve': { run: async () => (await import('./loss-curve.ts')).runLossCurve(), optIn: true },
  pipeline: { run: async () => (await import('./pipeline.ts')).run(), optIn: false },
  telemetry: { run: async () => (await import('./telemetry.ts')).run(), optIn: false },
  'runs-list': { run: async () => (await import('./runs-list.ts')).run(), optIn: false },
  serving: { run: async () => (await import('./serving.ts')).run(), optIn: false },
  cancel: { run: async () => (await import('./cancel.ts')).run(), optIn: false },
  'ingest-limits': { run: async () => (await import('./ingest-limits.ts')).run(), optIn: true },
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(`Unknown bench part(s): ${unknown.join(', ')}. Known: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : Object.keys(PARTS).filter((name) => !PARTS[name].optIn);
for (const name of selected) {
  const results = await PARTS[name].run();
  printResults(name, results);
  console.log(`saved ${writeResults(name, results)}`);
}
