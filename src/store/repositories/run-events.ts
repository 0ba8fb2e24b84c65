import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { TrainedModel } from '../../domain/model.ts';
import { toJson } from '../json.ts';
import { registerModelVersion } from './models.ts';
import { isTerminal } from '../../domain/run-status.ts';
import { RUN_EVENT_TYPES, type RunEvent, type StatusData } from '../../domain/run-event.ts';

type Tx = Prisma.TransactionClient;

/** A run's events in the database: recorded exactly once, read back in seq order. */
export function runEventsRepository(prisma: PrismaClient) {
  return {
    record: (event: RunEvent) => recordRunEvent(prisma, event),
    list: (runId: string, range: { after: number; before?: number; limit: number }) =>
      storedRunEvents(prisma, runId, range),
    /** The highest seq stored for a run (0 for none). */
    async maxSeq(runId: string): Promise<number> {
      return (await prisma.runEvent.aggregate({ where: { runId }, _max: { seq: true } }))._max.seq ?? 0;
    },
  };
}

export type RunEventsRepository = ReturnType<typeof runEventsRepository>;

/**
 * A run's stored events with a seq in (after, before), in order, at most `limit`. Rows hold events
 * exactly as recordRunEvent wrote them, so they are read back as the RunEvent union they were.
 */
async function storedRunEvents(
  prisma: PrismaClient,
  runId: string,
  range: { after: number; before?: number; limit: number },
): Promise<RunEvent[]> {
  const rows = await prisma.runEvent.findMany({
    where: { runId, seq: { gt: range.after, lt: range.before } },
    orderBy: { seq: 'asc' },
    take: range.limit,
  });
  return rows.map(
    (row) => ({ seq: row.seq, runId, type: row.type, time: row.time.toISOString(), data: row.data }) as RunEvent,
  );
}

/** Every event type is kept (batch events arrive throttled to a few per second per run), so a replay from the database has no gap. */
const STORED_TYPES = new Set<string>(RUN_EVENT_TYPES);

/**
 * Persists one run event, idempotently: the (run, seq) key makes a redelivered event a no-op, and the
 * event's effect on the run (status, epoch row, checkpoint, model) is applied in the same transaction
 * as its insertion, so both happen exactly once.
 */
async function recordRunEvent(prisma: PrismaClient, event: RunEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
  if (!STORED_TYPES.has(event.type)) return 'ignored';
  return prisma.$transaction(async (tx) => {
    const run = await tx.run.findUnique({
      where: { id: event.runId },
      select: { id: true, status: true, lastSeq: true, name: true },
    });
    if (!run) return 'ignored'; // a deleted run's late events
    const inserted = await tx.runEvent.createMany({
      data: [
        { runId: event.runId, seq: event.seq, type: event.type, time: new Date(event.time), data: toJson(event.data) },
      ],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return 'duplicate';
    await applyEffect(tx, run, event);
    return 'applied';
  });
}

type RunRow = { id: string; status: string; lastSeq: number; name: string | null };

async function applyEffect(tx: Tx, run: RunRow, event: RunEvent): Promise<void> {
  switch (event.type) {
    case 'status':
      return applyStatus(tx, run, event.seq, new Date(event.time), event.data);
    case 'epoch': {
      const { data } = event;
      const row = {
        metrics: data.metrics ?? {},
        lr: typeof data.lr === 'number' ? data.lr : null,
        durationMs: Math.round(Number(data.durationMs) || 0),
        samplesPerSec: typeof data.samplesPerSec === 'number' ? data.samplesPerSec : null,
        seq: event.seq,
      };
      await tx.epochMetric.upsert({
        where: { runId_epoch: { runId: run.id, epoch: data.epoch } },
        create: { runId: run.id, epoch: data.epoch, ...row },
        update: row,
      });
      return;
    }
    case 'checkpoint': {
      const { kind, epoch, path, monitor, value } = event.data;
      await tx.checkpoint.upsert({
        where: { runId_kind: { runId: run.id, kind } },
        create: { id: randomUUID(), runId: run.id, kind, epoch, path, monitor, value },
        update: { epoch, path, monitor, value, createdAt: new Date(event.time) },
      });
      return;
    }
    case 'evaluation': {
      const { metrics, confusion, perClass } = event.data;
      await tx.evaluation.upsert({
        where: { runId: run.id },
        create: { id: randomUUID(), runId: run.id, metrics, confusion, perClass },
        update: { metrics, confusion, perClass },
      });
      return;
    }
    case 'log':
      // A built-in dataset's sha256 is known only once a worker has loaded (and verified) its files.
      if (typeof event.data.datasetSha256 === 'string') {
        await tx.run.updateMany({
          where: { id: run.id, datasetSha256: null },
          data: { datasetSha256: event.data.datasetSha256 },
        });
      }
      return;
    default:
      return;
  }
}

/**
 * Status changes apply in seq order only, and a finished run stays finished: a late `running` from a
 * worker that had not yet seen a cancel cannot reopen it.
 */
async function applyStatus(tx: Tx, run: RunRow, seq: number, time: Date, data: StatusData): Promise<void> {
  if (seq <= run.lastSeq || isTerminal(run.status)) return;
  const status = data.status;
  await tx.run.update({
    where: { id: run.id },
    data: {
      status,
      lastSeq: seq,
      ...(data.status === 'running'
        ? {
            attempt: data.attempt ?? undefined,
            backend: data.backend,
            device: data.device,
            startedAt: (await startedAt(tx, run.id)) ?? time,
          }
        : {}),
      ...(data.status === 'failed'
        ? { error: toJson(data.error ?? { code: 'unknown', message: 'the run failed' }) }
        : {}),
      ...(isTerminal(status) ? { finishedAt: time } : {}),
    },
  });
  if (data.status === 'succeeded' && data.model) await registerModel(tx, run, data.model);
}

async function startedAt(tx: Tx, runId: string): Promise<Date | null> {
  return (await tx.run.findUnique({ where: { id: runId }, select: { startedAt: true } }))?.startedAt ?? null;
}

/** A succeeded run's model becomes the next version of its name (the run's name, or run-<id>). */
async function registerModel(tx: Tx, run: { id: string; name: string | null }, model: TrainedModel): Promise<void> {
  await registerModelVersion(tx, { ...model, name: run.name ?? `run-${run.id.slice(0, 8)}`, runId: run.id });
}
