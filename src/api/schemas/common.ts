import { Type, type TSchema } from '@sinclair/typebox';

/** The error body of every 4xx/5xx answer. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * A JSON object the api answers as it is (no field dropped or coerced on the way out) whose type is
 * declared for clients: the OpenAPI document says "object", TypeScript readers get `T`.
 */
export const JsonOf = <T extends object>(description?: string) =>
  Type.Unsafe<T>({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Error answers shared by most routes, for OpenAPI. */
export const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('ErrorResponse')]));

/** What the api answers for a value holding a NUL, which PostgreSQL can store in neither text nor jsonb. */
export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
