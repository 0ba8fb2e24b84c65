import { Type } from '@sinclair/typebox';

/** The header of idempotent create routes (checked by the idempotency plugin, which names it in a 400). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'A key of your choosing (1–255 visible ASCII characters, e.g. a UUID) that makes a retry safe: a repeat with the same key and request gets the first answer and creates nothing',
    }),
  ),
});

/** What the OpenAPI document says of a route that honours `Idempotency-Key`. */
export const IDEMPOTENCY_DESCRIPTION =
  'With an `Idempotency-Key` header, a repeat of the same request (after a lost answer, a timeout, an api restart) ' +
  'gets the first answer, with `Idempotent-Replayed: true`, and creates nothing. The same key with a different ' +
  'request is a 422; a repeat while the first is still being processed is a 409 with `Retry-After`. A request that ' +
  'fails leaves its key free, so its retry runs again. Keys are kept for KILN_IDEMPOTENCY_TTL_SECONDS (24 h).';
