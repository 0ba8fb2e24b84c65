import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KilnError } from '../../../domain/errors.ts';
import { idempotencyKeysRepository, type StoredAnswer } from '../../../store/repositories/idempotency-keys.ts';
import {
  idempotencyService,
  KEY_IN_USE,
  parseIdempotencyKey,
  requestFingerprint,
  type RecordAnswer,
} from '../../services/idempotency-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotent submission for create routes (the `Idempotency-Key` header). */
    idempotency: {
      /**
       * Answers a create request once per key and route: runs `create` (handing it the means to commit
       * its row with the answer) or replays the stored answer.
       */
      respond(request: FastifyRequest, reply: FastifyReply, submission: Submission): Promise<FastifyReply>;
    };
  }
}

/** A create request as the idempotency plugin answers it. */
export interface Submission {
  /** What identifies the request besides its route: its body, or an upload's fields and files. */
  fingerprint: unknown;
  create(record?: RecordAnswer): Promise<StoredAnswer>;
  /** Undoes what this request did before it knew whether it would run (an upload it stored), when it does not. */
  discard?(): Promise<void>;
  /** The request creates nothing (a dry run): the key, if any, is not looked at. */
  keyless?: boolean;
}

/** At most this long between two sweeps of expired keys. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** Idempotency keys of create requests, kept in the database, and the sweep of expired ones. */
export default fp(
  async (app) => {
    const ttlMs = app.config.KILN_IDEMPOTENCY_TTL_SECONDS * 1000;
    // Its repository is built here: nothing but this plugin reads or writes the keys.
    const service = idempotencyService({ keys: idempotencyKeysRepository(app.db.prisma), ttlMs });

    app.decorate('idempotency', {
      async respond(request, reply, { fingerprint, create, discard, keyless }) {
        const scope = `${request.method} ${request.routeOptions.url}`;
        let answer;
        try {
          const key = keyless ? undefined : parseIdempotencyKey(request.headers['idempotency-key']);
          answer = await service.submit(
            { scope, key, fingerprint: key === undefined ? '' : requestFingerprint(scope, fingerprint) },
            create,
          );
        } catch (error) {
          if (error instanceof KilnError && error.code === KEY_IN_USE) {
            const { retryAfterSeconds } = error.details as { retryAfterSeconds: number };
            reply.header('retry-after', String(retryAfterSeconds));
          }
          await discard?.();
          throw error;
        }
        if (answer.replayed) {
          // Stripe's name for it: this answer was given before, to the first request with the key.
          reply.header('idempotent-replayed', 'true');
          await discard?.();
        }
        return reply.code(answer.status).send(answer.body);
      },
    });

    const sweep = () =>
      void service
        .sweep()
        .then((count) => count && app.log.info({ count }, 'expired idempotency keys removed'))
        .catch((err) => app.log.warn({ err }, 'idempotency key sweep failed'));
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      sweep();
      timer = setInterval(sweep, Math.min(SWEEP_EVERY_MS, ttlMs)).unref();
    });
    app.addHook('preClose', async () => clearInterval(timer));
  },
  { name: 'idempotency', dependencies: ['config', 'database'] },
);
