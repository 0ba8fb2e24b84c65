import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import { datasetsRepository, type DatasetsRepository } from './datasets.ts';
import { runsRepository, type RunsRepository } from './runs.ts';

/** A key's row as the idempotency rules read it. */
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  fingerprint: string;
  token: string;
  status: number | null;
  body: unknown;
  lockedUntil: Date;
  expiresAt: Date;
}

/** The request that holds a key: a write under a key whose token changed since is refused. */
export interface KeyHold {
  scope: string;
  key: string;
  token: string;
}

/** An answer as it is stored and replayed. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** The writes that may commit together with a key's answer (the row the answer names). */
export interface AnswerWriters {
  runs: Pick<RunsRepository, 'create'>;
  datasets: Pick<DatasetsRepository, 'create'>;
}

/** A claim's fresh state: a new holder, a new lease and a new expiry. */
type Claim = Omit<IdempotencyKeyRow, 'status' | 'body'>;

/** Idempotency keys of create requests: claimed, answered (with the row they name), released, swept. */
export function idempotencyKeysRepository(prisma: PrismaClient) {
  return {
    /** Inserts a claim unless the key exists; true when this request now holds it. */
    async insert(claim: Claim): Promise<boolean> {
      const { count } = await prisma.idempotencyKey.createMany({ data: [claim], skipDuplicates: true });
      return count === 1;
    },

    find(scope: string, key: string): Promise<IdempotencyKeyRow | null> {
      return prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
    },

    /** Takes a key over from the holder `previousToken` (expired, or abandoned unanswered); false if another request did first. */
    async replace(previousToken: string, claim: Claim): Promise<boolean> {
      const { scope, key, ...fresh } = claim;
      const { count } = await prisma.idempotencyKey.updateMany({
        where: { scope, key, token: previousToken },
        data: { ...fresh, status: null, body: Prisma.DbNull, createdAt: new Date() },
      });
      return count === 1;
    },

    /** Extends the lease of a key still being processed. */
    renew(hold: KeyHold, lockedUntil: Date) {
      return prisma.idempotencyKey.updateMany({ where: { ...hold, status: null }, data: { lockedUntil } });
    },

    /**
     * Runs `write` and stores the answer naming what it wrote in one transaction: the row and the answer
     * commit together or not at all. Throws `lost` (and writes nothing) when the key is no longer held.
     */
    async answerWith<T>(
      hold: KeyHold,
      write: (writers: AnswerWriters) => Promise<T>,
      answer: (written: T) => StoredAnswer,
      lost: () => Error,
    ): Promise<T> {
      return prisma.$transaction(async (tx) => {
        const written = await write(answerWriters(tx));
        const { status, body } = answer(written);
        const { count } = await tx.idempotencyKey.updateMany({
          where: hold,
          data: { status, body: body as Prisma.InputJsonValue },
        });
        if (count !== 1) throw lost();
        return written;
      });
    },

    /** Stores an answer that has no row to commit with. */
    answer(hold: KeyHold, { status, body }: StoredAnswer) {
      return prisma.idempotencyKey.updateMany({ where: hold, data: { status, body: body as Prisma.InputJsonValue } });
    },

    /** Frees a key, answered or not, so that a retry runs again (its request failed). */
    release(hold: KeyHold) {
      return prisma.idempotencyKey.deleteMany({ where: hold });
    },

    /** Removes expired keys, but none whose request is still being processed. */
    async sweep(now: Date): Promise<number> {
      const { count } = await prisma.idempotencyKey.deleteMany({
        where: { expiresAt: { lt: now }, lockedUntil: { lt: now } },
      });
      return count;
    },
  };
}

export type IdempotencyKeysRepository = ReturnType<typeof idempotencyKeysRepository>;

/**
 * The repositories' create methods bound to a transaction. They are written against the client; a
 * transaction's client has every model but not `$transaction`, which neither create uses.
 */
function answerWriters(tx: Prisma.TransactionClient): AnswerWriters {
  const client = tx as unknown as PrismaClient;
  return { runs: { create: runsRepository(client).create }, datasets: { create: datasetsRepository(client).create } };
}
