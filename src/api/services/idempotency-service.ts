import { createHash, randomUUID } from 'node:crypto';
import { KilnError } from '../../domain/errors.ts';
import type {
  AnswerWriters,
  IdempotencyKeysRepository,
  KeyHold,
  StoredAnswer,
} from '../../store/repositories/idempotency-keys.ts';

/** The request header, as the IETF draft "The Idempotency-Key HTTP Header Field" and Stripe name it. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const HEADER_PATH = 'headers.idempotency-key';
/** Code of the 409 for a key whose first request is still being processed. */
export const KEY_IN_USE = 'idempotency_key_in_use';

/**
 * Given by a request that carries a key to the service creating its resource: runs `write` and stores
 * the answer it yields in one transaction, so the row and the answer naming it commit together.
 */
export type RecordAnswer = <T>(
  write: (writers: AnswerWriters) => Promise<T>,
  answer: (written: T) => StoredAnswer,
) => Promise<T>;

export interface IdempotencyServiceDeps {
  keys: IdempotencyKeysRepository;
  /** How long a key is remembered (KILN_IDEMPOTENCY_TTL_SECONDS). */
  ttlMs: number;
  /**
   * How long a key stays held by a request without word from it (renewed every third of it while the
   * request runs). A key left unanswered longer belongs to a request that died before committing
   * anything, and the next retry takes it over. Default 30 s.
   */
  leaseMs?: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

/** An answer, and whether it is a stored one given again. */
export type SubmittedAnswer = StoredAnswer & { replayed: boolean };

/** Reads the header: absent, or 1–255 visible ASCII characters (a quoted sf-string as the IETF draft writes it, or bare as Stripe does). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw KilnError.field(HEADER_PATH, 'must be given once');
  const quoted = /^"(.*)"$/.exec(raw.trim());
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : raw.trim();
  if (key.length < 1 || key.length > 255) throw KilnError.field(HEADER_PATH, 'must be 1 to 255 characters');
  if (!/^[\x20-\x7e]+$/.test(key)) throw KilnError.field(HEADER_PATH, 'must be visible ASCII characters');
  return key;
}

/** JSON with object keys sorted, so that a request's fingerprint does not depend on how its client ordered them. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of a request: its scope (method and route) and its body (or, for an upload, its fields and files). */
export function requestFingerprint(scope: string, body: unknown): string {
  return createHash('sha256').update(scope).update('\n').update(stableJson(body)).digest('hex');
}

const inUse = (retryAfterSeconds: number, message: string) =>
  new KilnError(KEY_IN_USE, message, { status: 409, details: { retryAfterSeconds } });

/**
 * Idempotent submission of create requests, as Stripe and the IETF draft describe it: the first request
 * with a key runs and its answer is stored; a repeat with the same key and the same request gets that
 * answer and creates nothing; the same key with another request is a 422; a repeat while the first is
 * still running is a 409. A request that fails leaves the key free, so that its retry runs again.
 */
export function idempotencyService({ keys, ttlMs, leaseMs = 30_000, now = () => new Date() }: IdempotencyServiceDeps) {
  const later = (ms: number) => new Date(now().getTime() + ms);

  /** Holds the key for this request, or says what an earlier request with it answered. */
  async function claim(scope: string, key: string, fingerprint: string): Promise<{ hold: KeyHold } | StoredAnswer> {
    // A few rounds: another request may insert, answer, release or take over the key between two reads.
    for (let round = 0; round < 5; round++) {
      const fresh = {
        scope,
        key,
        fingerprint,
        token: randomUUID(),
        lockedUntil: later(leaseMs),
        expiresAt: later(ttlMs),
      };
      const hold = { scope, key, token: fresh.token };
      if (await keys.insert(fresh)) return { hold };
      const row = await keys.find(scope, key);
      if (!row) continue;
      const at = now();
      if (row.expiresAt <= at) {
        if (await keys.replace(row.token, fresh)) return { hold };
        continue;
      }
      if (row.fingerprint !== fingerprint) {
        const message = `${IDEMPOTENCY_HEADER} "${key}" was already used for a different request to ${scope}; send a new key with a new request`;
        throw new KilnError('idempotency_key_mismatch', message, {
          status: 422,
          issues: [{ path: HEADER_PATH, message: `was already used for a different request to ${scope}` }],
        });
      }
      if (row.status !== null) return { status: row.status, body: row.body };
      if (row.lockedUntil > at) {
        const seconds = Math.max(1, Math.ceil((row.lockedUntil.getTime() - at.getTime()) / 1000));
        throw inUse(seconds, `a request with ${IDEMPOTENCY_HEADER} "${key}" is still being processed; retry it later`);
      }
      // Unanswered and silent past its lease: its request died before committing anything. This one runs instead.
      if (await keys.replace(row.token, fresh)) return { hold };
    }
    throw inUse(1, `${IDEMPOTENCY_HEADER} "${key}" is contended by concurrent requests; retry it later`);
  }

  return {
    /**
     * Answers a create request once per key: `create` runs only for the request that holds the key, and
     * is given the means to commit its row with the answer. Without a key, `create` simply runs.
     */
    async submit(
      request: { scope: string; key: string | undefined; fingerprint: string },
      create: (record?: RecordAnswer) => Promise<StoredAnswer>,
    ): Promise<SubmittedAnswer> {
      if (request.key === undefined) return { ...(await create()), replayed: false };
      const claimed = await claim(request.scope, request.key, request.fingerprint);
      if (!('hold' in claimed)) return { ...claimed, replayed: true };
      const { hold } = claimed;
      let recorded = false;
      const record: RecordAnswer = async (write, answer) => {
        const written = await keys.answerWith(hold, write, answer, () =>
          inUse(1, `this request outlasted its hold on ${IDEMPOTENCY_HEADER} "${hold.key}" and a retry took it over`),
        );
        recorded = true;
        return written;
      };
      const renewal = setInterval(() => void keys.renew(hold, later(leaseMs)).catch(() => undefined), leaseMs / 3);
      renewal.unref();
      try {
        const answer = await create(record);
        if (!recorded) await keys.answer(hold, answer);
        return { ...answer, replayed: false };
      } catch (error) {
        // Nothing of a failed request is kept, its key neither: the retry runs again (after a 5xx it may
        // succeed; a 4xx is checked anew, and may pass once, say, the dataset it names is ready).
        await keys.release(hold).catch(() => undefined);
        throw error;
      } finally {
        clearInterval(renewal);
      }
    },

    /** Removes expired keys; returns how many. */
    sweep(): Promise<number> {
      return keys.sweep(now());
    },
  };
}

export type IdempotencyService = ReturnType<typeof idempotencyService>;
