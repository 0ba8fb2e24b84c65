import { readFile } from 'node:fs/promises';
import { decodeEvent, type TfEvent } from './event-proto.ts';
import { readRecords } from './record-reader.ts';

/** Decodes every event in an event file's bytes; throws a KilnError `record_corrupt` on a CRC mismatch or truncation. */
export function parseEventFile(bytes: Uint8Array): TfEvent[] {
  return Array.from(readRecords(bytes), decodeEvent);
}

/** Reads and decodes the event file at `path`, verifying both CRCs of every record. */
export async function readEventFile(path: string): Promise<TfEvent[]> {
  return parseEventFile(await readFile(path));
}
