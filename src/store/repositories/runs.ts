import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { RunStatus } from '../../domain/run-status.ts';
import { NEWEST_FIRST, rowsAfter, type ListPosition } from './keyset.ts';

const DETAIL_INCLUDE = {
  epochs: { orderBy: { epoch: 'asc' } },
  checkpoints: true,
  evaluation: true,
  model: { select: { id: true, name: true, version: true } },
} as const;

/** Queries and writes of runs: short methods, no business rules. */
export function runsRepository(prisma: PrismaClient) {
  return {
    create(data: {
      id: string;
      name?: string;
      spec: object;
      priority: number;
      datasetSha256?: string;
      datasetId?: string;
      compiledMetrics?: Prisma.InputJsonValue;
    }) {
      return prisma.run.create({ data: { ...data, status: 'queued' } });
    },

    findDetail(id: string) {
      return prisma.run.findUnique({ where: { id }, include: DETAIL_INCLUDE });
    },

    find(id: string) {
      return prisma.run.findUnique({ where: { id } });
    },

    /** Only the status: a cancel must not wait for a spec that may hold megabytes of inline data. */
    findStatus(id: string) {
      return prisma.run.findUnique({ where: { id }, select: { id: true, status: true } });
    },

    /**
     * Newest first; the cursor is the last row of the previous page (createdAt, id). Without the
     * spec: a list entry needs only the dataset id and compiled metrics, kept in their own columns,
     * and a spec can hold an inline dataset of up to KILN_MAX_INLINE_MB (a page of 200 read whole
     * was gigabytes).
     */
    list(opts: { status?: RunStatus[]; limit: number; after?: ListPosition }) {
      return prisma.run.findMany({
        where: {
          ...(opts.status?.length ? { status: { in: opts.status } } : {}),
          ...rowsAfter(opts.after),
        },
        orderBy: NEWEST_FIRST,
        take: opts.limit,
        omit: { spec: true },
        // Epoch metrics give each entry its best metric, so a runs table needs no request per run.
        include: { model: { select: { id: true } }, epochs: { select: { metrics: true } } },
      });
    },

    /** Runs that should be moving: the reconciler checks them against the queue. */
    listActive(olderThan: Date) {
      return prisma.run.findMany({
        where: { status: { in: ['queued', 'running'] }, createdAt: { lt: olderThan } },
        select: { id: true, status: true },
      });
    },

    delete(id: string) {
      return prisma.$transaction([
        prisma.model.deleteMany({ where: { runId: id } }),
        prisma.run.delete({ where: { id } }),
      ]);
    },
  };
}

export type RunsRepository = ReturnType<typeof runsRepository>;
