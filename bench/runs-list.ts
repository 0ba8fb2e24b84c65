// Runs-list part: GET /runs over runs whose specs carry inline datasets, as a script submitting runs
// with their data inline makes them. A list entry reads no spec (its dataset id and compiled metrics
// have columns of their own); before, the list read every spec whole. Both queries run side by side
// in one process, taking turns, on the embedded PGlite a plain `npm start` uses.
import { pino } from 'pino';
import { buildApp } from '../src/api/app.ts';
import { runListItem } from '../src/api/services/run-views.ts';
import { loadConfig } from '../src/config/config.ts';
import type { BenchResult } from './lib/results.ts';
import { scratchInstall } from './lib/scratch-install.ts';

const RUNS = 40;
/** Rows × features of each run's inline x: 20,000 × 16 floats, ~2.5 MB of JSON per spec. */
const ROWS = 20_000;
const FEATURES = 16;
const ROUNDS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

function inlineSpec(seed: number) {
  const x = Array.from({ length: ROWS }, (_, i) =>
    Array.from({ length: FEATURES }, (_, j) => Math.round(((i * 31 + j * 7 + seed) % 1000) * 1000) / 1e6),
  );
  const y = Array.from({ length: ROWS }, (_, i) => [(i + seed) % 2]);
  return {
    name: `inline-${seed}`,
    model: { type: 'sequential', layers: [{ type: 'Dense', units: 1, activation: 'sigmoid', inputShape: [FEATURES] }] },
    dataset: { inline: { x, y } },
    compile: { optimizer: 'sgd', loss: 'binary_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1 },
  };
}

export async function run(): Promise<BenchResult[]> {
  const install = await scratchInstall();
  const config = loadConfig({
    KILN_DATA_DIR: install.dataDir,
    KILN_QUEUE_PREFIX: install.prefix,
    LOG_LEVEL: 'warn',
    KILN_MAX_INLINE_MB: '16',
  });
  const app = await buildApp(config, pino({ level: 'warn' }));
  try {
    for (let i = 0; i < RUNS; i++) {
      const created = await app.inject({ method: 'POST', url: '/runs', payload: inlineSpec(i) });
      if (created.statusCode !== 201)
        throw new Error(`POST /runs answered ${created.statusCode}: ${created.body.slice(0, 300)}`);
    }
    // What the list read before: every run row with its whole spec.
    const wholeSpecs = async () =>
      (
        await app.db.prisma.run.findMany({
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: 51,
          include: { model: { select: { id: true } }, epochs: { select: { metrics: true } } },
        })
      ).map(runListItem);
    const list = async () => {
      const answer = await app.inject({ method: 'GET', url: '/runs?limit=50' });
      if (answer.statusCode !== 200) throw new Error(`GET /runs answered ${answer.statusCode}`);
    };
    const timed = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    const [now, before]: number[][] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      now.push(await timed(list));
      before.push(await timed(wholeSpecs));
    }
    return [
      {
        name: `GET /runs?limit=50, ${RUNS} runs with ~2.5 MB inline specs (the api, median of ${ROUNDS})`,
        value: median(now),
        unit: 'ms',
      },
      {
        name: 'the same page read with whole specs (the query before, no HTTP)',
        value: median(before),
        unit: 'ms',
        compareWith: { name: 'GET /runs', value: median(now) },
        ratio: median(before) / median(now),
      },
    ];
  } finally {
    await app.close();
    await install.remove(config.REDIS_URL);
  }
}
