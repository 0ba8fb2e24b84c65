/** A row's place in a list newest first, as a page cursor holds it (src/api/services/page-cursor.ts). */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

/** Newest first, ties by id: the order every paged list uses, so a position is unambiguous. */
export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** The `where` of the rows after `position` in NEWEST_FIRST order (all rows without one). */
export function rowsAfter(position: ListPosition | undefined) {
  return position
    ? { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] }
    : {};
}
