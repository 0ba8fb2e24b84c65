import type { Prisma } from '../generated/prisma/client.ts';

/**
 * A typed value (an event's data, a model signature) for a jsonb column. Prisma's JSON input type
 * wants index signatures that interfaces do not declare; every such value is plain JSON by
 * construction (it crossed Redis as JSON), so this is the one place that says so.
 */
export const toJson = (value: object): Prisma.InputJsonValue => value as Prisma.InputJsonValue;
