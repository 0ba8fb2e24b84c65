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
    listIngesting(olderThan: Date) {
      return prisma.dataset.findMany({
        where: { status: 'ingesting', createdAt: { lt: olderThan } },
        select: { id: true },
      });
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
    delete(id: string) {
      return prisma.dataset.delete({ where: { id } });
    },
  };
}

export type DatasetsRepository = ReturnType<typeof datasetsRepository>;
