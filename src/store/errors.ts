/**
 * Prisma's P2xxx codes are about the query or its data (a value too long, a missing relation): the
 * same write would fail the same way again. These three are about the moment instead (the pool was
 * busy, the transaction timed out, a write conflict or deadlock) and pass on a retry.
 */
const TRANSIENT_DATA_CODES = new Set(['P2024', 'P2028', 'P2034']);

/**
 * Whether the database refused a write for what it holds, so retrying can never help. Anything else
 * — the server unreachable (P1xxx), a dropped connection, an unknown error — may pass on a retry.
 */
export function isDataRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^P2\d{3}$/.test(code) && !TRANSIENT_DATA_CODES.has(code);
}
