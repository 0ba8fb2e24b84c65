/**
 * The rules of idempotent submission on the real database: claim, replay, mismatch, in progress,
 * takeover of an abandoned key, expiry and sweep, release after a failure, and the answer committed
 * with the row it names (or neither). The clock is moved by hand instead of waiting for it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { applyMigrations } from '../../src/store/migrate.ts';
import { idempotencyKeysRepository } from '../../src/store/repositories/idempotency-keys.ts';
import {
  idempotencyService,
  requestFingerprint,
  type RecordAnswer,
} from '../../src/api/services/idempotency-service.ts';
import { KilnError } from '../../src/domain/errors.ts';

describe('idempotency keys on PostgreSQL', () => {
  let env: TestEnvironment;
  let db: Database;
  let clock = Date.now();
  const LEASE = 30_000;
  const TTL = 3_600_000;
  const service = () =>
    idempotencyService({
      keys: idempotencyKeysRepository(db.prisma),
      ttlMs: TTL,
      leaseMs: LEASE,
      now: () => new Date(clock),
    });
  const scope = 'POST /runs';
  const submission = (key: string, body: unknown = { n: 1 }) => ({
    scope,
    key,
    fingerprint: requestFingerprint(scope, body),
  });
  /** A create that writes a dataset row with the answer naming it. */
  const creating = (id: string) => async (record?: RecordAnswer) => {
    const data = { id, name: 'x', format: 'auto' };
    await record!(
      (writers) => writers.datasets.create(data),
      () => ({ status: 201, body: { id } }),
    );
    return { status: 201, body: { id } };
  };

  before(async () => {
    env = await createTestEnvironment();
    db = await openDatabase({ url: env.config.DATABASE_URL, dataDir: env.dataDir });
    await applyMigrations(db.raw);
  });
  after(async () => {
    await db?.close();
    await env?.cleanup();
  });

  test('the first request runs; a repeat gets its answer and runs nothing', async () => {
    const key = randomUUID();
    const first = await service().submit(submission(key), creating('ds-a'));
    assert.deepEqual(first, { status: 201, body: { id: 'ds-a' }, replayed: false });
    const again = await service().submit(submission(key), () => assert.fail('a repeat must not run'));
    assert.deepEqual(again, { status: 201, body: { id: 'ds-a' }, replayed: true });
    assert.equal(await db.prisma.dataset.count({ where: { id: 'ds-a' } }), 1);
  });

  test('the fingerprint ignores the order of object keys, not their values', () => {
    assert.equal(
      requestFingerprint(scope, { a: 1, b: [1, { c: 2, d: 3 }] }),
      requestFingerprint(scope, { b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    assert.notEqual(requestFingerprint(scope, { a: 1 }), requestFingerprint(scope, { a: 2 }));
    assert.notEqual(requestFingerprint(scope, { a: 1 }), requestFingerprint('POST /datasets', { a: 1 }));
  });

  test('the same key with another request is a 422 naming the header', async () => {
    const key = randomUUID();
    await service().submit(submission(key, { n: 1 }), creating('ds-b'));
    await assert.rejects(
      service().submit(submission(key, { n: 2 }), () => assert.fail('must not run')),
      (error: KilnError) => {
        assert.equal(error.status, 422);
        assert.equal(error.code, 'idempotency_key_mismatch');
        assert.equal(error.issues[0]!.path, 'headers.idempotency-key');
        assert.match(error.message, /Idempotency-Key/);
        return true;
      },
    );
  });

  test('a repeat while the first is running is a 409 with the seconds to wait; after its lease lapses unanswered, a retry takes over', async () => {
    const key = randomUUID();
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      void service()
        .submit(submission(key), async () => {
          resolve();
          await new Promise<void>((r) => (release = r));
          throw new Error('never answered');
        })
        .catch(() => undefined);
    });
    await started;
    await assert.rejects(
      service().submit(submission(key), () => assert.fail('must not run')),
      (error: KilnError) => {
        assert.equal(error.status, 409);
        assert.equal(error.code, 'idempotency_key_in_use');
        assert.ok((error.details as { retryAfterSeconds: number }).retryAfterSeconds > 0);
        return true;
      },
    );
    // The first request "dies": its lease lapses without an answer, and the retry runs instead.
    clock += LEASE + 1;
    const retried = await service().submit(submission(key), creating('ds-c'));
    assert.equal(retried.replayed, false);
    // The first request, should it wake up, can no longer answer under the key: its write is rolled back.
    clock -= LEASE + 1;
    release();
  });

  test('a request that lost its hold commits neither its row nor its answer', async () => {
    const key = randomUUID();
    const first = service().submit(submission(key), async (record) => {
      // While it works, its lease lapses and a retry takes the key over.
      clock += LEASE + 1;
      await service().submit(submission(key), creating('ds-retry'));
      return creating('ds-late')(record);
    });
    await assert.rejects(first, (error: KilnError) => error.status === 409);
    clock -= LEASE + 1;
    assert.equal(await db.prisma.dataset.count({ where: { id: 'ds-late' } }), 0);
    assert.equal(await db.prisma.dataset.count({ where: { id: 'ds-retry' } }), 1);
    const replay = await service().submit(submission(key), () => assert.fail('must not run'));
    assert.deepEqual(replay.body, { id: 'ds-retry' });
  });

  test('a failed request (a 5xx, or a 4xx) leaves the key free: its retry runs again', async () => {
    const key = randomUUID();
    await assert.rejects(
      service().submit(submission(key), async () => {
        throw new Error('the queue is down');
      }),
      /the queue is down/,
    );
    await assert.rejects(
      service().submit(submission(key), async () => {
        throw KilnError.field('dataset.id', 'is still ingesting');
      }),
      /still ingesting/,
    );
    // Also when the failure came after the answer was written (the row is removed again by its service).
    await assert.rejects(
      service().submit(submission(key), async (record) => {
        await creating('ds-undone')(record);
        await db.prisma.dataset.delete({ where: { id: 'ds-undone' } });
        throw new Error('could not queue it');
      }),
      /could not queue it/,
    );
    const retried = await service().submit(submission(key), creating('ds-d'));
    assert.deepEqual(retried, { status: 201, body: { id: 'ds-d' }, replayed: false });
  });

  test('keys expire: an expired key is claimed anew (even for another request), and the sweep removes it', async () => {
    const key = randomUUID();
    await service().submit(submission(key, { n: 1 }), creating('ds-e'));
    clock += TTL + 1;
    const fresh = await service().submit(submission(key, { n: 2 }), creating('ds-f'));
    assert.deepEqual(fresh.body, { id: 'ds-f' });
    assert.equal(fresh.replayed, false);

    const swept = randomUUID();
    await service().submit(submission(swept), creating('ds-g'));
    assert.ok(await db.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key: swept } } }));
    clock += TTL + 1;
    assert.ok((await service().sweep()) >= 1);
    assert.equal(await db.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key: swept } } }), null);
  });

  test('without a key, the request simply runs', async () => {
    let runs = 0;
    const create = async () => ({ status: 201, body: { n: ++runs } });
    await service().submit({ scope, key: undefined, fingerprint: '' }, create);
    await service().submit({ scope, key: undefined, fingerprint: '' }, create);
    assert.equal(runs, 2);
  });
});
