import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Queries and writes of datasets. */
export function datasetsRepository(prisma: PrismaClient) {
  return {
    create(data: { id: string; name: string; format: string }) {
      return prisma.dataset.create({ data: { ...data, status: 'ingesting' } });
    },
    find(id: string) {
      return prisma.dataset.findUnique({ where: { id } });
    },
    list() {
      return prisma.dataset.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    },
    /** Datasets whose ingestion has not been settled: still `ingesting`, or `deleting` until it has stopped. */
    listUnsettled(olderThan: Date) {
      return prisma.dataset.findMany({
        where: { status: { in: ['ingesting', 'deleting'] }, createdAt: { lt: olderThan } },
        select: { id: true },
      });
    },
    /** Marks a dataset being ingested for deletion; false if its ingestion ended first. */
    async markDeleting(id: string): Promise<boolean> {
      const { count } = await prisma.dataset.updateMany({
        where: { id, status: 'ingesting' },
        data: { status: 'deleting' },
      });
      return count === 1;
    },
    /** Records the end of an ingestion, once: a dataset that already ended is left as it is. */
    finish(
      id: string,
      data: {
        status: 'ready' | 'failed';
        format?: string;
        sha256?: string;
        sizeBytes?: number;
        meta?: object;
        error?: string;
      },
    ) {
      return prisma.dataset.updateMany({
        where: { id, status: 'ingesting' },
        data: { ...data, sizeBytes: data.sizeBytes === undefined ? undefined : BigInt(data.sizeBytes) },
      });
    },
    countActiveRuns(id: string) {
      return prisma.run.count({ where: { datasetId: id, status: { in: ['queued', 'running'] } } });
    },
    /** Removes a dataset's row; removing one already gone is not an error (a deletion finished twice). */
    delete(id: string) {
      return prisma.dataset.deleteMany({ where: { id } });
    },
  };
}

export type DatasetsRepository = ReturnType<typeof datasetsRepository>;
