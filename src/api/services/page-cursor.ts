// Keyset paging for the lists newest first (runs, models): a page goes on after the last row it gave,
// even once that row is deleted. The query side is src/store/repositories/keyset.ts.
import type { ListPosition } from '../../store/repositories/keyset.ts';

/** Opaque pagination cursor: the (createdAt, id) of the last row on a page (runs, models). */
export const cursor = {
  encode: (row: ListPosition) => Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url'),
  decode(value: string): ListPosition | undefined {
    const [date = '', id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
    const createdAt = new Date(date);
    // Only what encode() writes: a 4-digit-year ISO time (a JS Date reaches ±275760, PostgreSQL's
    // timestamp only 4713 BC, and the query would fail with 22008/22009) and an id without NUL.
    const canonical = /^\d{4}-/.test(date) && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === date;
    return id && canonical && !id.includes('\0') ? { createdAt, id } : undefined;
  },
};
