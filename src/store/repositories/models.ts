import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { ModelSource, ServingPreprocessing, TrainedModel } from '../../domain/model.ts';
import { toJson } from '../json.ts';
import { NEWEST_FIRST, rowsAfter, type ListPosition } from './keyset.ts';

/** A model version to register: its files and signature, and what it came from. */
export interface NewModelVersion extends Omit<TrainedModel, 'preprocessing'> {
  name: string;
  /** Serving's preprocessing record (domain's ServingPreprocessing, or serving's richer one for imports). */
  preprocessing?: ServingPreprocessing | object;
  /** The run whose training registered it (one model per run). */
  runId?: string;
  source?: ModelSource;
}

/**
 * Registers the next version of a name, inside the caller's transaction. The number comes from the
 * name's counter, not from the highest version left: after `name@3` is deleted, the next model is 4,
 * never a second 3 behind a client's pinned URL.
 */
export async function registerModelVersion(tx: Prisma.TransactionClient, model: NewModelVersion) {
  const { lastVersion } = await tx.modelName.upsert({
    where: { name: model.name },
    create: { name: model.name, lastVersion: 1 },
    update: { lastVersion: { increment: 1 } },
  });
  return tx.model.create({
    data: {
      id: randomUUID(),
      name: model.name,
      version: lastVersion,
      runId: model.runId,
      path: model.path,
      signature: toJson(model.signature),
      ...(model.labels ? { labels: model.labels } : {}),
      ...(model.preprocessing ? { preprocessing: toJson(model.preprocessing) } : {}),
      ...(model.source ? { source: toJson(model.source) } : {}),
    },
  });
}

const ALIAS_NAMES = { aliases: { select: { alias: true }, orderBy: { alias: 'asc' } } } as const;

/** Queries and writes of registered models and their aliases: short methods, no business rules. */
export function modelsRepository(prisma: PrismaClient) {
  return {
    /** Registers the next version of `model.name` (see registerModelVersion). */
    register(model: NewModelVersion) {
      return prisma.$transaction((tx) => registerModelVersion(tx, model));
    },

    findById(id: string) {
      return prisma.model.findUnique({ where: { id } });
    },

    /** The highest version of a name. */
    findLatest(name: string) {
      return prisma.model.findFirst({ where: { name }, orderBy: { version: 'desc' } });
    },

    findVersion(name: string, version: number) {
      return prisma.model.findUnique({ where: { name_version: { name, version } } });
    },

    findAlias(name: string, alias: string) {
      return prisma.modelAlias.findUnique({ where: { name_alias: { name, alias } } });
    },

    /** Every version of a name, newest first. */
    listVersions(name: string) {
      return prisma.model.findMany({ where: { name }, orderBy: { version: 'desc' } });
    },

    /** Newest first, after a page's last row (keyset paging, as /runs pages), with alias names. */
    list(opts: { name?: string; limit: number; after?: ListPosition }) {
      return prisma.model.findMany({
        where: { ...(opts.name ? { name: opts.name } : {}), ...rowsAfter(opts.after) },
        orderBy: NEWEST_FIRST,
        take: opts.limit,
        include: ALIAS_NAMES,
      });
    },

    /** A model with its source run's evaluation and its alias names. */
    findDetail(id: string) {
      return prisma.model.findUnique({
        where: { id },
        include: { run: { include: { evaluation: true } }, ...ALIAS_NAMES },
      });
    },

    /** The model a run registered, with its aliases. */
    findByRun(runId: string) {
      return prisma.model.findUnique({ where: { runId }, include: { aliases: true } });
    },

    aliasesOf(name: string, version: number) {
      return prisma.modelAlias.findMany({ where: { name, version }, select: { alias: true } });
    },

    upsertAlias(name: string, alias: string, version: number) {
      return prisma.modelAlias.upsert({
        where: { name_alias: { name, alias } },
        create: { name, alias, version },
        update: { version },
      });
    },

    /** Removes an alias; resolves to how many were removed (0 or 1). */
    async deleteAlias(name: string, alias: string): Promise<number> {
      return (await prisma.modelAlias.deleteMany({ where: { name, alias } })).count;
    },

    delete(id: string) {
      return prisma.model.delete({ where: { id } });
    },
  };
}

export type ModelsRepository = ReturnType<typeof modelsRepository>;

/** A Model row as the repository returns it. */
export type ModelRow = NonNullable<Awaited<ReturnType<ModelsRepository['findById']>>>;
